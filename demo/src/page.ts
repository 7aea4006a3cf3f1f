// What the pages share: element lookup, the backend badge, sliders that show
// their value, and numbers kept on elements for tests and tools.
import type { BackendInfo } from 'subgrad';

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** The header's badge: backend, kernel variant, dtype and threads, with init()'s reasons as its tooltip. */
export function showBackend(info: BackendInfo): void {
  const badge = $('backend');
  const threads = info.threads > 1 ? ` · ${info.threads} threads` : '';
  badge.textContent = info.backend === 'wasm' ? `wasm · ${info.kernels} kernels · ${info.dtype}${threads}` : `js · ${info.dtype}`;
  badge.title = `${info.reason}\nthreads: ${info.threadsReason}`;
  badge.dataset.kernels = info.kernels;
  badge.dataset.threads = String(info.threads);
}

/**
 * A range input whose value is shown in the <output> after it (formatted),
 * calling onInput as it moves; returns a reader of its current value.
 */
export function slider(id: string, format: (v: number) => string, onInput: (v: number) => void): () => number {
  const input = $<HTMLInputElement>(id);
  const shown = input.parentElement!.querySelector('output')!;
  const read = () => Number(input.value);
  const update = () => {
    shown.textContent = format(read());
    onInput(read());
  };
  input.addEventListener('input', update);
  shown.textContent = format(read());
  return read;
}

/** Sets an element's text and the exact number behind it (data-value), for tests and tools. */
export function showNumber(el: HTMLElement, value: number, text: string): void {
  el.textContent = text;
  el.dataset.value = String(value);
}
