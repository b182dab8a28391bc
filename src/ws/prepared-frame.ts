// A text frame built once and written to many sockets: the WebSocket header and payload are the
// same bytes for every recipient of a broadcast (server frames are not masked).
import WebSocket from 'ws';
import { corkForTurn } from './turn-cork';

/** The parts of ws' Sender we use to write a ready-made frame (not in its typings). */
interface FrameSender {
  sendFrame(list: Buffer[], cb?: (err?: Error) => void): void;
}
interface SenderStatics {
  frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[];
}

export class PreparedFrame {
  readonly bytes: number;
  private readonly parts: Buffer[];

  constructor(readonly text: string) {
    const data = Buffer.from(text);
    this.bytes = data.length;
    const Sender = (WebSocket as unknown as { Sender: SenderStatics }).Sender;
    // One buffer, header and payload: ws writes a two-part frame as two writes in a cork of its
    // own, so each recipient would cost two queued chunks and a cork/uncork instead of one write.
    this.parts = [Buffer.concat(Sender.frame(data, { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false }))];
  }

  /**
   * Writes the frame to one socket. Servers here run without permessage-deflate and never send
   * blobs, so ws' sender has no queue of its own and writing the frame directly keeps order. The
   * socket's frames of this turn go out in one write (turn-cork.ts).
   */
  writeTo(ws: WebSocket): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    corkForTurn(ws);
    const sender = (ws as unknown as { _sender?: FrameSender })._sender;
    if (sender && typeof sender.sendFrame === 'function') sender.sendFrame(this.parts);
    else ws.send(this.text);
  }
}
