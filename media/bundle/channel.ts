/** The bundle view's side of its message channel with the extension host (client/bundle/bundleView.ts). */
import type { FromBundleView, ToBundleView } from '../../shared/bundleViewProtocol';
import { Emitter } from '../events';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };

export class Channel {
  readonly onMessage = new Emitter<ToBundleView>();
  private readonly api = acquireVsCodeApi();

  constructor() {
    window.addEventListener('message', (e: MessageEvent<ToBundleView>) => {
      if (e.data && typeof e.data === 'object' && typeof e.data.type === 'string') this.onMessage.emit(e.data);
    });
  }

  post(message: FromBundleView): void {
    this.api.postMessage(message);
  }
}
