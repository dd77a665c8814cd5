// @ts-check
/**
 * What the page shows about the model and the examples, from GET /api/info: the capabilities of its
 * model.json (each example instruction a button that fills the instruction box) and the bundled photos.
 */
import { ui } from './page.js';

/** @typedef {import('./types.js').Info} Info */

/**
 * @param {Info} info
 * @param {{ useInstruction: (text: string) => void, useExample: (name: string) => void }} actions
 */
export function showInfo(info, actions) {
  ui.modelId.textContent = info.model.id;
  const capabilities = info.model.capabilities;
  ui.modelSummary.textContent = capabilities?.summary ?? 'This model lists no capabilities.';
  ui.capabilities.replaceChildren(
    ...(capabilities?.edits ?? []).map((edit) => {
      const item = document.createElement('li');
      const name = document.createElement('strong');
      name.textContent = `${edit.name}: `;
      item.append(name);
      edit.examples.slice(0, 2).forEach((example, index) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'suggestion';
        button.textContent = example;
        button.setAttribute('aria-label', `Use the instruction "${example}"`);
        button.addEventListener('click', () => actions.useInstruction(example));
        item.append(...(index > 0 ? [' ', button] : [button]));
      });
      return item;
    }),
  );
  ui.examples.replaceChildren(
    ...info.examples.map((example) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.example = example.name;
      button.setAttribute('aria-pressed', 'false');
      button.setAttribute('aria-label', `Example photo ${example.name}`);
      const image = document.createElement('img');
      image.src = example.url;
      image.alt = '';
      button.append(image);
      button.addEventListener('click', () => actions.useExample(example.name));
      return button;
    }),
  );
}
