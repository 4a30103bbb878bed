import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotificationSink } from '../../../infra/local/notification-sink.js';
import type { CooperativeMessage } from '../../../shared/domain/pickup.js';

const message = (overrides: Partial<CooperativeMessage> = {}): CooperativeMessage => ({
  cooperativeId: 'htx-0023',
  messageId: 'alloc_01JXK3_1:allocated',
  recipient: 'zalo-uid-4412',
  text: '[Harvest] HTX Vải thiều Phì Điền nhận đơn ord_01JXK3',
  ...overrides,
});

describe('NotificationSink', () => {
  it('records a second send of the same messageId once and answers with the first result', async () => {
    const sink = new NotificationSink();

    const first = await sink.send(message());
    const second = await sink.send(message({ text: 'a redelivery with other text' }));

    expect(second).toEqual(first);
    expect(sink.messages()).toHaveLength(1);
    expect(sink.messages()[0]?.text).toBe(message().text);
    expect(sink.sendCalls).toBe(2);
  });

  it('records concurrent sends of the same messageId once', async () => {
    const sink = new NotificationSink();

    const results = await Promise.all(Array.from({ length: 5 }, () => sink.send(message())));

    expect(new Set(results.map((r) => r.providerMessageId)).size).toBe(1);
    expect(sink.messages()).toHaveLength(1);
  });

  it('records different messages in order, NFC', async () => {
    const sink = new NotificationSink({ now: () => new Date('2026-06-17T03:00:00Z') });

    await sink.send(message({ messageId: 'm1', text: 'Lục Ngạn'.normalize('NFD') }));
    await sink.send(message({ messageId: 'm2' }));

    expect(sink.messages().map((m) => m.messageId)).toEqual(['m1', 'm2']);
    expect(sink.messages()[0]).toMatchObject({ text: 'Lục Ngạn', deliveredAt: '2026-06-17T03:00:00.000Z' });
  });

  it('appends one JSON line per first send to the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'notification-sink-'));
    try {
      const filePath = join(dir, 'messages.jsonl');
      const sink = new NotificationSink({ filePath });

      await Promise.all([sink.send(message({ messageId: 'm1' })), sink.send(message({ messageId: 'm2' }))]);
      await sink.send(message({ messageId: 'm1' }));

      const lines = (await readFile(filePath, 'utf8')).trim().split('\n');
      expect(lines.map((line) => JSON.parse(line).messageId)).toEqual(['m1', 'm2']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('does not count a send whose file write failed, so the retry records it', async () => {
    const sink = new NotificationSink({
      filePath: join(tmpdir(), 'no-such-dir-for-sink', 'x', 'messages.jsonl'),
    });

    await expect(sink.send(message())).rejects.toThrow();

    expect(sink.messages()).toHaveLength(0);
  });
});
