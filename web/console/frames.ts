// The live log of one client: every frame in and out, newest last, with the spec message it is and
// whether it validates (checked by the gateway, against the same validators it serves with).
import { validateFrame, type Verdict } from './api';
import { h } from './dom';

export type Direction = 'in' | 'out' | 'info';

export class FrameLog {
  readonly element = h('ol', { class: 'sy-frames', 'aria-live': 'polite' });

  constructor(private readonly api: string) {}

  info(text: string): void {
    this.append('info', text, undefined);
  }

  /** Logs a frame; `message` names it for socket.io, where the event name is outside the payload. */
  async frame(direction: 'in' | 'out', frame: unknown, message?: string): Promise<void> {
    const row = this.append(direction, JSON.stringify(frame), undefined, message);
    const verdict = await validateFrame(this.api, frame, direction === 'in' ? 'send' : 'receive', message).catch(
      (err: unknown): Verdict => ({ message: null, valid: false, errors: [{ instancePath: '', message: String(err), keyword: 'network', params: {} }] }),
    );
    this.mark(row, verdict);
  }

  private append(direction: Direction, text: string, verdict: Verdict | undefined, name?: string): HTMLLIElement {
    const arrow = direction === 'in' ? '←' : direction === 'out' ? '→' : '·';
    const row = h(
      'li',
      { class: `sy-frame sy-frame-${direction}`, 'data-direction': direction },
      h('time', {}, new Date().toLocaleTimeString()),
      h('span', { class: 'sy-arrow' }, arrow),
      h('span', { class: 'sy-verdict' }, name ?? ''),
      h('code', {}, text),
    );
    if (verdict) this.mark(row, verdict);
    this.element.append(row);
    row.scrollIntoView({ block: 'nearest' });
    return row;
  }

  private mark(row: HTMLLIElement, verdict: Verdict): void {
    row.dataset.message = verdict.message ?? '';
    row.dataset.valid = String(verdict.valid);
    const badge = row.querySelector('.sy-verdict')!;
    badge.textContent = `${verdict.message ?? 'unknown'} ${verdict.valid ? '✓ valid' : '✗ invalid'}`;
    if (!verdict.valid) row.append(h('ul', { class: 'sy-frame-errors' }, ...verdict.errors.map((e) => h('li', {}, e.message))));
  }
}
