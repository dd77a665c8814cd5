"""Instructions for each edit family. The LAST two phrasings of each family are held out (never
trained on) for the eval. `{colour}` in a tint phrasing is replaced by a colour name."""

from __future__ import annotations

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
        "strip out all the colour",
        "turn it monochrome",
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
        "give it an antique brown tone",
        "old photo look",
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
        "make it lighter",
        "turn up the brightness",
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
        "turn down the brightness",
        "darken it",
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
        "raise the contrast",
        "make the darks darker and the lights lighter",
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
        "give it a washed out faded look",
        "soften the contrast",
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
        "more warmth please",
        "shift toward warm tones",
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
        "colder tones please",
        "shift toward cool tones",
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
        "intensify the colours",
        "make it more colourful",
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
        "make it look out of focus",
        "smooth it out with a blur",
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
        "show it as a film negative",
        "make the colours inverted",
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
        "fade the corners to black",
        "give it a vignette around the edges",
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
        "make it dark blue like night",
        "change it to night",
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
        "make it misty and hazy",
        "foggy weather",
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
        "give the picture a {colour} hue",
        "wash it with {colour}",
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
        "turn the hue dial",
        "cycle the colours",
    ],
}

HELD_OUT = 2
UNK = "[UNK]"
WORD_RE = re.compile(r"[a-z]+")


def split(family: str) -> tuple[list[str], list[str]]:
    """(train, held-out) phrasings of a family."""
    ph = PHRASINGS[family]
    return ph[:-HELD_OUT], ph[-HELD_OUT:]


def words(text: str) -> list[str]:
    """The word-level pre-tokenisation: lowercase runs of a-z (digits and punctuation dropped)."""
    return WORD_RE.findall(text.lower())


def train_vocabulary(colours: list[str]) -> list[str]:
    """Every word of the TRAINING phrasings (colours filled in), sorted; held-out-only words map to UNK."""
    vocab: set[str] = set(colours)
    for fam in PHRASINGS:
        for ph in split(fam)[0]:
            vocab.update(words(ph.replace("{colour}", "")))
    return sorted(vocab)


def render(phrasing: str, colour: str | None) -> str:
    return phrasing.replace("{colour}", colour) if "{colour}" in phrasing else phrasing
