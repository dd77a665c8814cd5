"""Instructions for each edit family, and the held-out split.

Two sources of training phrasings:
- `PHRASINGS`: hand-written, per family. The LAST `HELD_OUT` of each list are held out (never trained on):
  the first two of those are kk-tiny v1's held-out phrasings, the other three were written for v2 before
  it was trained.
- `generated(family)`: short templates crossed with synonym lists (object words, verbs, "turn up the
  brightness" / "turn down the warmth" directions, politeness words), so the model meets many word orders
  and word forms. Deterministic (fixed seed), at most `GENERATED_PER_FAMILY` per family, and never equal to
  contains a held-out phrasing.

`{colour}` in a tint phrasing is replaced by a colour name."""

from __future__ import annotations

import functools
import random
import re

PHRASINGS: dict[str, list[str]] = {
    "grayscale": [
        "make it black and white",
        "convert to grayscale",
        "remove the colour",
        "turn it into a black and white photo",
        "desaturate the image",
        "make it monochrome",
        "drain the colours",
        "grayscale",
        "make the picture gray",
        "black and white please",
        # held out
        "strip out all the colour",
        "turn it monochrome",
        "can you make this photo black and white",
        "give it a noir monochrome look",
        "no colours at all",
    ],
    "sepia": [
        "make it sepia",
        "give it a sepia tone",
        "make it look like an old photo",
        "apply a sepia filter",
        "vintage sepia look",
        "sepia",
        "make it look antique",
        "turn it into an old brown photograph",
        "add an old fashioned sepia tone",
        "make it look like a faded old print",
        # held out
        "give it an antique brown tone",
        "old photo look",
        "make it look like a photo from the 1920s",
        "brownish vintage tone please",
        "sepia toned version",
    ],
    "brighter": [
        "make it brighter",
        "brighten the image",
        "increase the brightness",
        "lighten it",
        "more light",
        "brighter",
        "make the picture lighter",
        "raise the exposure",
        "brighten it up",
        "boost the brightness",
        # held out
        "make it lighter",
        "turn up the brightness",
        "it is too dark, brighten it",
        "increase the exposure a bit",
        "more brightness please",
    ],
    "darker": [
        "make it darker",
        "darken the image",
        "decrease the brightness",
        "less light",
        "darker",
        "make the picture dim",
        "lower the exposure",
        "reduce the brightness",
        "dim the image",
        "make it dimmer",
        # held out
        "turn down the brightness",
        "darken it",
        "it is too bright, darken it",
        "reduce the exposure",
        "make everything darker please",
    ],
    "contrast": [
        "more contrast",
        "increase the contrast",
        "boost the contrast",
        "make it punchier",
        "add contrast",
        "higher contrast",
        "make the contrast stronger",
        "contrast",
        "stronger contrast please",
        "make it more contrasty",
        # held out
        "raise the contrast",
        "make the darks darker and the lights lighter",
        "add more contrast to the photo",
        "punch up the contrast",
        "make the contrast higher",
    ],
    "faded": [
        "make it faded",
        "less contrast",
        "reduce the contrast",
        "wash it out",
        "lower the contrast",
        "make it look washed out",
        "faded look",
        "flatten the contrast",
        "make it flat and faded",
        "decrease the contrast",
        # held out
        "give it a washed out faded look",
        "soften the contrast",
        "make it look faded and flat",
        "give it a matte washed out look",
        "tone down the contrast",
    ],
    "warmer": [
        "make it warmer",
        "warm it up",
        "warmer tones",
        "add warmth",
        "make the colours warmer",
        "warmer",
        "give it a warm feel",
        "increase the warmth",
        "warm colour temperature",
        "make it feel warm",
        # held out
        "more warmth please",
        "shift toward warm tones",
        "make the colours feel warmer",
        "add a warm golden tone",
        "warmer please",
    ],
    "cooler": [
        "make it cooler",
        "cool it down",
        "cooler tones",
        "add a cold feel",
        "make the colours cooler",
        "cooler",
        "give it a cold look",
        "decrease the warmth",
        "cool colour temperature",
        "make it feel cold",
        # held out
        "colder tones please",
        "shift toward cool tones",
        "make the colours feel cooler",
        "give it a chilly cold feel",
        "cooler please",
    ],
    "vivid": [
        "make it more vivid",
        "increase the saturation",
        "more saturated",
        "boost the colours",
        "make the colours pop",
        "saturate it",
        "more vibrant",
        "vivid",
        "richer colours",
        "make the colours stronger",
        # held out
        "intensify the colours",
        "make it more colourful",
        "make the colours more saturated",
        "boost the saturation a lot",
        "make it vibrant",
    ],
    "blur": [
        "blur it",
        "make it blurry",
        "add blur",
        "soften the image",
        "gaussian blur",
        "blur",
        "make it out of focus",
        "defocus the picture",
        "make it fuzzy",
        "blur the whole image",
        # held out
        "make it look out of focus",
        "smooth it out with a blur",
        "make the whole photo blurry",
        "blur the picture a little",
        "add a soft focus blur",
    ],
    "invert": [
        "invert the colours",
        "make it a negative",
        "invert it",
        "negative",
        "turn it into a photo negative",
        "invert",
        "reverse the colours",
        "flip the colours to their opposites",
        "make a negative image",
        "invert the image",
        # held out
        "show it as a film negative",
        "make the colours inverted",
        "invert all the colours",
        "make it look like a negative",
        "inverse colours",
    ],
    "vignette": [
        "add a vignette",
        "vignette",
        "darken the corners",
        "darken the edges",
        "add a dark vignette",
        "make the corners dark",
        "vignette effect",
        "put a vignette around it",
        "shade the edges",
        "darker corners please",
        # held out
        "fade the corners to black",
        "give it a vignette around the edges",
        "add a vignette to the photo",
        "make the edges of the photo darker",
        "darken around the edges",
    ],
    "night": [
        "make it night",
        "turn day into night",
        "make it look like night time",
        "night",
        "nighttime",
        "make it a night scene",
        "moonlight",
        "make it look like it was taken at night",
        "turn it into a moonlit night",
        "night time look",
        # held out
        "make it dark blue like night",
        "change it to night",
        "make it look like it is night",
        "night scene please",
        "turn the photo into night",
    ],
    "fog": [
        "add fog",
        "make it foggy",
        "add haze",
        "make it hazy",
        "fog",
        "misty",
        "add mist",
        "make it look foggy",
        "cover it in fog",
        "add a haze over the scene",
        # held out
        "make it misty and hazy",
        "foggy weather",
        "add some fog to the scene",
        "make the photo hazy",
        "thick fog",
    ],
    "tint": [
        "tint it {colour}",
        "add a {colour} tint",
        "make it more {colour}",
        "give it a {colour} cast",
        "{colour} tint",
        "{colour}",
        "shift the colours toward {colour}",
        "apply a {colour} filter",
        "make it {colour}",
        "add a {colour} colour cast",
        # held out
        "give the picture a {colour} hue",
        "wash it with {colour}",
        "make the photo {colour}",
        "give it a {colour} tone",
        "{colour} colour cast please",
    ],
    "hue": [
        "shift the hue",
        "rotate the hues",
        "change the hue",
        "hue shift",
        "shift the colours around the colour wheel",
        "hue",
        "rotate the colour wheel",
        "change all the colours",
        "swap the hues",
        "hue rotation",
        # held out
        "turn the hue dial",
        "cycle the colours",
        "shift all the hues",
        "rotate the hue of the colours",
        "change the colours around the wheel",
    ],
}

HELD_OUT = 5
UNK = "[UNK]"
WORD_RE = re.compile(r"[a-z]+")
GENERATED_PER_FAMILY = 360
GENERATOR_SEED = 20261128

# ---- the template generator ----

OBJECTS = ["it", "the image", "the photo", "the picture", "this", "this photo", "this image", "the shot",
           "my photo", "the pic", "everything", "the whole thing"]
PREFIXES = ["", "", "", "please ", "can you ", "could you ", "now ", "just ", "go ahead and "]
SUFFIXES = ["", "", "", " please", " a bit", " a little", " a lot", " slightly", " for me", " thanks",
            " strongly", " now"]
UP = ["increase", "raise", "boost", "turn up", "crank up", "bump up", "push up", "add more", "more", "up",
      "amp up", "pump up", "heighten", "max out", "dial up"]
DOWN = ["decrease", "lower", "reduce", "turn down", "cut", "drop", "less", "tone down", "dial down",
        "bring down", "lessen", "cut back", "minimise", "minimize", "take down"]
QUALITY = {  # family -> (quality nouns, direction)
    "brighter": (["brightness", "exposure", "light", "lightness", "luminosity"], UP),
    "darker": (["brightness", "exposure", "light", "lightness", "luminosity"], DOWN),
    "contrast": (["contrast", "punch", "tonal contrast"], UP),
    "faded": (["contrast", "punch", "tonal contrast"], DOWN),
    "warmer": (["warmth", "temperature", "colour temperature", "warm tones"], UP),
    "cooler": (["warmth", "temperature", "colour temperature"], DOWN),
    "vivid": (["saturation", "vibrance", "colour intensity", "colourfulness", "color saturation"], UP),
    "grayscale": (["colour", "color", "colours", "colors"], DOWN),
}
# family -> adjectives ("make it X"), verbs ("X it"), nouns ("add X", "apply a X effect"), looks ("a X look")
WORDS: dict[str, dict[str, list[str]]] = {
    "grayscale": {"adj": ["black and white", "grayscale", "greyscale", "monochrome", "gray", "grey",
                          "colourless", "colorless", "desaturated", "b and w", "monochromatic"],
                  "verb": ["desaturate", "decolourise", "decolorize", "grayscale"],
                  "noun": ["grayscale", "monochrome", "black and white"],
                  "look": ["black and white", "monochrome", "grayscale", "noir", "colourless"]},
    "sepia": {"adj": ["sepia", "antique", "old fashioned", "vintage brown", "sepia toned", "old timey",
                      "brownish", "aged"],
              "verb": ["age", "sepia tone"],
              "noun": ["sepia", "sepia tone", "an old photo filter", "a vintage brown tone"],
              "look": ["sepia", "antique", "vintage", "old photo", "old fashioned", "aged", "retro brown"]},
    "brighter": {"adj": ["brighter", "lighter", "bright", "lighter overall", "more luminous", "more exposed",
                         "less dark", "sunnier"],
                 "verb": ["brighten", "lighten", "brighten up", "lighten up", "overexpose", "illuminate"],
                 "noun": ["light", "brightness", "exposure"],
                 "look": ["brighter", "bright", "light", "airy"]},
    "darker": {"adj": ["darker", "dimmer", "dark", "dim", "less bright", "underexposed", "gloomier", "shadier"],
               "verb": ["darken", "dim", "underexpose", "shade"],
               "noun": ["darkness", "shadow", "gloom"],
               "look": ["darker", "dark", "dim", "moody dark", "gloomy"]},
    "contrast": {"adj": ["punchier", "contrasty", "more contrasty", "crisper", "high contrast", "higher contrast",
                         "more dramatic", "bolder"],
                 "verb": ["punch up", "add contrast to", "harden", "crisp up"],
                 "noun": ["contrast", "more contrast", "punch", "drama"],
                 "look": ["high contrast", "punchy", "contrasty", "dramatic", "bold"]},
    "faded": {"adj": ["faded", "washed out", "flat", "flatter", "low contrast", "lower contrast", "matte",
                      "muted", "dull", "less contrasty"],
              "verb": ["fade", "wash out", "flatten", "mute", "dull"],
              "noun": ["fade", "a faded filter", "a matte finish", "a washed out effect"],
              "look": ["faded", "washed out", "flat", "matte", "low contrast", "muted", "dull"]},
    "warmer": {"adj": ["warmer", "warm", "more orange", "cozier", "sunnier and warm", "warmer toned", "golden"],
               "verb": ["warm up", "warm"],
               "noun": ["warmth", "warm tones", "a warm filter", "a golden glow", "warm light"],
               "look": ["warm", "warmer", "golden", "cozy", "sunset warm"]},
    "cooler": {"adj": ["cooler", "cool", "colder", "cold", "icier", "icy", "chilly", "frosty", "cooler toned",
                       "more bluish"],
               "verb": ["cool down", "cool", "chill"],
               "noun": ["coolness", "cool tones", "a cold filter", "cold light", "a chill"],
               "look": ["cool", "cold", "icy", "chilly", "wintry", "frosty"]},
    "vivid": {"adj": ["vivid", "more vivid", "vibrant", "saturated", "more saturated", "colourful",
                      "more colourful", "colorful", "richer", "punchy coloured", "more intense", "brighter coloured"],
              "verb": ["saturate", "intensify the colours of", "enrich", "boost the colours of"],
              "noun": ["saturation", "vibrance", "more colour", "intensity"],
              "look": ["vivid", "vibrant", "saturated", "colourful", "rich", "intense"]},
    "blur": {"adj": ["blurry", "blurred", "out of focus", "fuzzy", "soft", "unfocused", "hazy and soft",
                     "unsharp", "smudged", "smeared"],
             "verb": ["blur", "defocus", "soften", "smudge", "smear", "unsharpen", "smooth out"],
             "noun": ["blur", "a gaussian blur", "a blur effect", "softness", "a soft focus"],
             "look": ["blurry", "soft focus", "out of focus", "dreamy soft", "fuzzy"]},
    "invert": {"adj": ["inverted", "negative", "a negative", "a photo negative", "reversed", "inverse",
                       "opposite coloured", "an inverted image"],
               "verb": ["invert", "negate", "reverse the colours of", "flip the colours of", "inverse"],
               "noun": ["inversion", "a negative effect", "an invert filter", "a colour inversion"],
               "look": ["negative", "inverted", "film negative", "x ray", "reversed colour"]},
    "vignette": {"adj": ["vignetted", "dark around the edges", "darker at the corners", "darker at the edges",
                         "dark at the borders", "shaded at the edges"],
                 "verb": ["vignette", "darken the corners of", "darken the edges of", "shade the borders of",
                          "burn the edges of"],
                 "noun": ["a vignette", "vignetting", "dark corners", "dark edges", "a dark border",
                          "a vignette effect", "shadowed corners"],
                 "look": ["vignette", "vignetted", "tunnel", "spotlight", "dark cornered"]},
    "night": {"adj": ["night", "nighttime", "night time", "nocturnal", "moonlit", "like night", "like evening",
                      "a night scene", "after dark", "midnight"],
              "verb": ["turn day into night for", "nightify"],
              "noun": ["night", "moonlight", "a night effect", "darkness of night", "a night filter"],
              "look": ["night", "nighttime", "moonlit", "midnight", "nocturnal", "late night", "evening"]},
    "fog": {"adj": ["foggy", "hazy", "misty", "smoky", "murky", "cloudy", "foggier", "hazier", "mistier"],
            "verb": ["fog", "fog up", "haze", "mist", "cover in fog"],
            "noun": ["fog", "haze", "mist", "smog", "a fog layer", "a haze", "some mist", "atmospheric haze"],
            "look": ["foggy", "hazy", "misty", "smoggy", "murky", "dreamy hazy"]},
    "tint": {"adj": ["{colour}", "more {colour}", "{colour} tinted", "{colour}ish", "tinted {colour}",
                     "a bit {colour}", "{colour} toned"],
             "verb": ["tint {colour}", "colour {colour}", "wash {colour}", "tone {colour}"],
             "noun": ["a {colour} tint", "a {colour} cast", "a {colour} filter", "a {colour} wash",
                      "a {colour} overlay", "{colour} tones", "a {colour} glow", "a {colour} colour cast"],
             "look": ["{colour}", "{colour} tinted", "{colour} toned", "{colour} filtered"]},
    "hue": {"adj": ["hue shifted", "hue rotated", "rainbow shifted", "colour shifted", "psychedelic"],
            "verb": ["hue shift", "hue rotate", "rotate the hues of", "shift the hues of", "cycle the hues of",
                     "spin the colour wheel of", "shift the colours of"],
            "noun": ["a hue shift", "a hue rotation", "hue rotation", "a colour wheel rotation",
                     "a hue change", "shifted hues"],
            "look": ["hue shifted", "psychedelic", "alien colour", "false colour", "rotated hue"]},
}
TEMPLATES_ADJ = ["make {o} {w}", "make {o} look {w}", "turn {o} {w}", "{w}", "{w} please", "i want {o} {w}",
                 "can {o} be {w}", "render {o} {w}", "make {o} {w} instead", "it should be {w}"]
TEMPLATES_VERB = ["{w} {o}", "{w} {o} please", "please {w} {o}", "{w} the colours of {o}"]
TEMPLATES_NOUN = ["add {w}", "add {w} to {o}", "apply {w}", "give {o} {w}", "put {w} on {o}", "{w}",
                  "i want {w}"]
TEMPLATES_LOOK = ["a {w} look", "{w} look", "give {o} a {w} look", "{w} style", "{w} effect",
                  "make {o} look {w}", "{w} version", "a {w} feel", "{w} filter", "apply a {w} filter to {o}"]
OPPOSITE = {"brighter": "darker", "darker": "brighter", "contrast": "faded", "faded": "contrast",
            "warmer": "cooler", "cooler": "warmer", "vivid": "grayscale", "grayscale": "vivid"}
# family -> the state a user complains about when they want this edit ("too bright" -> darker)
COMPLAINT = {
    "darker": ["bright", "light", "overexposed", "glaring", "blown out", "sunny", "bright and washed"],
    "brighter": ["dark", "dim", "underexposed", "gloomy", "shadowy", "murky dark"],
    "faded": ["contrasty", "harsh", "punchy", "dramatic", "crisp"],
    "contrast": ["flat", "dull", "washed out", "muted", "faded", "lifeless"],
    "cooler": ["warm", "orange", "yellow", "hot", "golden"],
    "warmer": ["cold", "cool", "blue", "icy", "chilly"],
    "grayscale": ["colourful", "saturated", "vivid", "colorful", "garish", "loud"],
    "vivid": ["grey", "gray", "pale", "desaturated", "colourless", "washed out coloured", "drab"],
}
COMPLAINT_TEMPLATES = ["it is too {c}", "it s too {c}", "too {c}", "way too {c}", "{o} is too {c}",
                       "{o} looks too {c}", "this is too {c}, fix it", "it is too {c}, {v} it",
                       "too {c}, {v} it please", "not so {c}", "make {o} less {c}", "less {c} please",
                       "{o} should not be so {c}", "not as {c}", "make {o} not so {c}", "a bit less {c}",
                       "it is a bit too {c}", "{o} is way too {c}"]
COMPLAINTS_PER_FAMILY = 90
# No two-edit instructions are trained ("make it darker and warmer"): the pipeline reads them first
# (commands/instruction-reading.ts) and gives a one-edit bundle only the first edit's words, with a note naming
# what it left out. kk-tiny 4.0-4.1 trained 60 per family as their first edit, and so learned to ignore an edit
# word that comes late: every family's second edit was some other family's cue ("... and also midnight" ->
# grayscale), and held-out "change it to night" or "shift toward cool tones" then lost to an earlier word.
# Never cues: words any instruction may use, and "day" (from "turn day into night": "rainy day" is not night).
CUE_STOP = {"a", "an", "the", "it", "its", "this", "that", "my", "me", "i", "to", "of", "for", "into", "in",
            "on", "at", "and", "or", "then", "plus", "also", "with", "make", "made", "look", "looks", "like",
            "please", "can", "could", "you", "want", "be", "is", "s", "should", "now", "just", "go", "ahead",
            "bit", "little", "lot", "slightly", "strongly", "thanks", "more", "less", "much", "very", "too",
            "so", "not", "as", "way", "some", "add", "give", "apply", "put", "turn", "render", "instead",
            "photo", "image", "picture", "pic", "shot", "whole", "thing", "everything", "effect", "filter",
            "style", "feel", "version", "day", "up", "down", "all", "fix", "taken", "was", "were", "one",
            "colour", "color", "colours", "colors",
            # "remove the colour" needs no cue (every word is known to the model), and "remove the person"
            # must read as no edit.
            "remove"}

# Held out for the phrasings target (issue 14): never trained on, read by the eval from edits.json.
# complaint / negation: must reach the fidelity bar for `family`; two-edit: its first edit (`family`) and the
# one-edit note; unsupported: no cue word, so a closed model refuses it with the unknown-edit message.
PHRASING_CHECKS: list[dict] = [
    *({"text": t, "kind": "complaint", "family": f} for t, f in [
        ("the picture is too bright", "darker"), ("this photo is way too dark", "brighter"),
        ("it looks too dim, fix it", "brighter"), ("it is too bright, tone it down", "darker"),
        ("the colours are too saturated", "grayscale"), ("it is too colourful", "grayscale"),
        ("it is too flat", "contrast"), ("the photo looks too dull", "contrast"),
        ("it is too contrasty", "faded"), ("the image is way too harsh", "faded"),
        ("it is too warm", "cooler"), ("the photo looks too orange", "cooler"),
        ("it is too cold", "warmer"), ("this is way too blue", "warmer"),
        ("the colours are too pale", "vivid"), ("it looks too grey", "vivid")]),
    *({"text": t, "kind": "negation", "family": f} for t, f in [
        ("not so bright please", "darker"), ("make the photo less bright", "darker"),
        ("make it not so dark", "brighter"), ("less gloomy please", "brighter"),
        ("make the picture less saturated", "grayscale"), ("not so colourful", "grayscale"),
        ("make it less warm", "cooler"), ("not so cold please", "warmer"),
        ("make it less flat", "contrast"), ("make the image less contrasty", "faded"),
        ("the colours should not be so dull", "vivid")]),
    *({"text": t, "kind": "two-edit", "family": f} for t, f in [
        ("make it darker and warmer", "darker"), ("make it brighter and cooler", "brighter"),
        ("make it black and white and blurry", "grayscale"), ("warm it up and add a vignette", "warmer"),
        ("make it sepia and blurry", "sepia"), ("darken it and make it cooler", "darker"),
        ("make it foggy and darker", "fog"), ("make it vivid and foggy", "vivid"),
        ("add a vignette and make it warmer", "vignette"), ("blur it and make it darker", "blur"),
        ("invert it and make it brighter", "invert"), ("make it cooler and more contrasty", "cooler"),
        ("make it night and foggy", "night"), ("make it brighter, then warmer", "brighter"),
        ("make it faded plus cooler", "faded")]),
    {"text": "tint it blue and darken it", "kind": "two-edit", "family": "tint", "colour": "blue"},
    *({"text": t, "kind": "unsupported", "family": None} for t in [
        "make it look like winter", "rainy day", "add snow", "make it look like it is raining",
        "add a hat to the cat", "remove the person", "turn it into a painting", "make it summer"]),
]

TEMPLATES_QUALITY = ["{d} the {q}", "{d} the {q} of {o}", "{d} {q}", "can you {d} the {q}"]


def split(family: str) -> tuple[list[str], list[str]]:
    """(training, held-out) phrasings of a family: the hand-written training ones first, then the generated
    single-edit ones, then complaints and negations that ask for this family."""
    ph = PHRASINGS[family]
    held = ph[-HELD_OUT:]
    return ph[:-HELD_OUT] + generated(family) + complaints(family), held


def hand_written(family: str) -> list[str]:
    return PHRASINGS[family][:-HELD_OUT]


@functools.cache
def generated(family: str) -> list[str]:
    """Template x synonym phrasings, deterministic, without hand-written or held-out duplicates."""
    rng = random.Random(f"{GENERATOR_SEED}:{family}")
    w = WORDS[family]
    pool: list[str] = []
    for kind, templates in (("adj", TEMPLATES_ADJ), ("verb", TEMPLATES_VERB), ("noun", TEMPLATES_NOUN),
                            ("look", TEMPLATES_LOOK)):
        for t in templates:
            for word in w[kind]:
                pool.append(t.replace("{w}", word))
    if family in QUALITY:
        nouns, directions = QUALITY[family]
        for t in TEMPLATES_QUALITY:
            for d in directions:
                for q in nouns:
                    pool.append(t.replace("{d}", d).replace("{q}", q))
    taken = {norm(p) for p in PHRASINGS[family]}
    # A generated phrasing may not equal or contain any family's held-out phrasing ("turn up the brightness
    # please" would make "turn up the brightness" a seen phrasing).
    held = _held_padded()
    out: list[str] = []
    order = list(range(len(pool)))
    rng.shuffle(order)
    attempts = 0
    while len(out) < GENERATED_PER_FAMILY and attempts < 40 * GENERATED_PER_FAMILY:
        base = pool[order[attempts % len(order)]]
        attempts += 1
        text = base.replace("{o}", rng.choice(OBJECTS))
        if attempts > len(order):  # after one plain pass over the pool, add politeness and degree words
            text = rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)
        key = norm(text)
        padded = f" {key} "
        if key in taken or any(h in padded for h in held) or len(words(text.replace("{colour}", "blue"))) > 12:
            continue
        taken.add(key)
        out.append(text)
    return out


def _held_padded() -> list[str]:
    """Every held-out text (per-family held-out phrasings and the phrasing checks), padded with spaces for a
    whole-word `in` test."""
    held = [f" {norm(p)} " for fam in PHRASINGS for p in PHRASINGS[fam][-HELD_OUT:]]
    return held + [f" {norm(c['text'])} " for c in PHRASING_CHECKS]


def _pick(rng: random.Random, pool: list[str], n: int) -> list[str]:
    """Up to n distinct texts from pool (deterministic order), none equal to or containing a held-out text."""
    held = _held_padded()
    rng.shuffle(pool)
    out: list[str] = []
    seen: set[str] = set()
    for text in pool:
        # Held-out texts keep "{colour}" as the word "colour" (norm), so compare in that form: kk-tiny 4 was
        # trained with "make the photo {colour} tinted and dim", which contains held-out "make the photo
        # {colour}", because this compared the blue-rendered text.
        key = norm(text)
        if key in seen or any(h in f" {key} " for h in held) or len(norm(text.replace("{colour}", "blue")).split()) > 12:
            continue
        seen.add(key)
        out.append(text)
        if len(out) == n:
            break
    return out


def _plain_verbs(family: str) -> list[str]:
    return [v for v in WORDS[family]["verb"] if not v.endswith(" of") and not v.endswith(" for")]


@functools.cache
def complaints(family: str) -> list[str]:
    """"it is too bright" / "not so bright" -> darker: the state a user complains about names the opposite
    edit (kk-tiny 3 brightened "it is too bright, darken it"). Only families with an opposite have these."""
    if family not in COMPLAINT:
        return []
    rng = random.Random(f"{GENERATOR_SEED}:complaints:{family}")
    verbs = _plain_verbs(family)
    pool = []
    for c in COMPLAINT[family]:
        for t in COMPLAINT_TEMPLATES:
            for o in rng.sample(OBJECTS, 2):
                pool.append(t.replace("{c}", c).replace("{o}", o).replace("{v}", rng.choice(verbs)))
    return _pick(rng, pool, COMPLAINTS_PER_FAMILY)


def cue_words(colours: list[str]) -> dict[str, list[str]]:
    """Per family, the words of its single-edit phrasings that name it: every word except the generic ones
    (CUE_STOP, or used by 6 or more families). The pipeline reads an instruction with these (a closed model
    refuses an instruction with no cue; two different edits joined get a note), so they ship in model.json."""
    per_family: dict[str, set[str]] = {}
    for fam in PHRASINGS:
        # The held-out phrasings' words are cues too (the model never sees them): the refusal must not hide a
        # held-out phrasing from the eval. Complaints name the state to undo, on the same axis.
        texts = PHRASINGS[fam] + generated(fam) + complaints(fam)
        found: set[str] = set()
        for t in texts:
            found.update(words(t.replace("{colour}", " ")))
        if fam == "tint":
            found.update(colours)
            found.update(f"{c}ish" for c in colours)
        per_family[fam] = found
    counts: dict[str, int] = {}
    for found in per_family.values():
        for w in found:
            counts[w] = counts.get(w, 0) + 1
    generic = {w for w, n in counts.items() if n >= 6} | CUE_STOP
    return {fam: sorted(found - generic) for fam, found in per_family.items()}


def norm(text: str) -> str:
    return " ".join(words(text))


def words(text: str) -> list[str]:
    """The word-level pre-tokenisation: lowercase runs of a-z (digits and punctuation dropped)."""
    return WORD_RE.findall(text.lower())


def train_vocabulary(colours: list[str]) -> list[str]:
    """Every word of the TRAINING phrasings (colours filled in), sorted; held-out-only words map to UNK."""
    # "{colour}ish" renders as one word ("blueish"); kk-tiny 3's vocabulary lacked those, so they were UNK.
    vocab: set[str] = set(colours) | {f"{c}ish" for c in colours}
    for fam in PHRASINGS:
        for ph in split(fam)[0]:
            vocab.update(words(ph.replace("{colour}", " ")))
    return sorted(vocab)


def render(phrasing: str, colour: str | None) -> str:
    return phrasing.replace("{colour}", colour) if "{colour}" in phrasing else phrasing


if __name__ == "__main__":  # a summary to read before training: sizes, samples, held-out words not in the vocabulary
    from .edits import COLOUR_NAMES

    vocab = set(train_vocabulary(COLOUR_NAMES))
    print(f"vocabulary {len(vocab)} words")
    for fam in PHRASINGS:
        train, held = split(fam)
        unknown = sorted({x for h in held for x in words(render(h, "red"))} - vocab)
        print(f"{fam:10s} train {len(train):4d} sample {train[12:15]} held-out unknown words {unknown}")
