/**
 * The local runtime's Notifier: records cooperative messages in memory (and, optionally, appends
 * them to a JSONL file to read while a demo runs). Idempotent on messageId like a well-behaved
 * provider: a second send of the same id is recorded once and answers with the first result, so
 * tests can assert "each cooperative was told once" whatever the redeliveries.
 */
import { appendFile } from 'node:fs/promises';
import type { CooperativeMessage, Notifier } from '../../shared/domain/pickup.js';

export interface RecordedMessage extends CooperativeMessage {
  deliveredAt: string;
  providerMessageId: string;
}

export interface NotificationSinkOptions {
  /** Appends one JSON line per first send. */
  filePath?: string;
  now?: () => Date;
}

type SendResult = { deliveredAt: string; providerMessageId: string };

export class NotificationSink implements Notifier {
  readonly #options: NotificationSinkOptions;
  /** messageId → the first send; concurrent duplicates wait on the same promise. */
  readonly #sent = new Map<string, Promise<SendResult>>();
  readonly #recorded: RecordedMessage[] = [];
  #sequence = 0;
  #sendCalls = 0;
  /** Serialises file appends so JSON lines never interleave. */
  #writes: Promise<void> = Promise.resolve();

  constructor(options: NotificationSinkOptions = {}) {
    this.#options = options;
  }

  send(message: CooperativeMessage): Promise<SendResult> {
    this.#sendCalls += 1;
    const first = this.#sent.get(message.messageId);
    if (first) return first;
    const result = this.#record(message);
    this.#sent.set(message.messageId, result);
    // A failed write is not a send: let the retry try again.
    result.catch(() => this.#sent.delete(message.messageId));
    return result;
  }

  /** Messages recorded, first sends only, in order. */
  messages(): RecordedMessage[] {
    return this.#recorded.map((message) => ({ ...message }));
  }

  /** Every call to send, duplicates included. */
  get sendCalls(): number {
    return this.#sendCalls;
  }

  async #record(message: CooperativeMessage): Promise<SendResult> {
    this.#sequence += 1;
    const recorded: RecordedMessage = {
      ...message,
      text: message.text.normalize('NFC'),
      deliveredAt: (this.#options.now?.() ?? new Date()).toISOString(),
      providerMessageId: `sink-${this.#sequence}`,
    };
    const { filePath } = this.#options;
    if (filePath) {
      const write = this.#writes.then(() => appendFile(filePath, `${JSON.stringify(recorded)}\n`, 'utf8'));
      this.#writes = write.catch(() => undefined);
      await write;
    }
    this.#recorded.push(recorded);
    return { deliveredAt: recorded.deliveredAt, providerMessageId: recorded.providerMessageId };
  }
}
