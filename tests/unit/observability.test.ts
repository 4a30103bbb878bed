/**
 * Personal data is masked in logs (buyer names, phones, addresses at any depth), while what an
 * operator needs to read a failure (an error's class name, order ids) stays readable.
 */
import { jest } from '@jest/globals';
import { StaleRequestError } from '../../shared/errors.js';
import { createLogger, personalDataReplacer } from '../../shared/observability.js';

const stringify = (value: unknown) => JSON.stringify(value, personalDataReplacer);

describe('personalDataReplacer', () => {
  it('masks personal keys at any depth and keeps the rest', () => {
    const text = stringify({
      orderId: 'ord_1',
      buyer: { name: 'Nguyễn Văn An', phone: '+84912345678' },
      lines: [{ sku: 'LYCHEE-LN-5KG', quantity: 2 }],
      contact: { phone: '0912345678' },
    });
    expect(text).not.toContain('Nguyễn');
    expect(text).not.toContain('912345');
    expect(text).toContain('ord_1');
    expect(text).toContain('LYCHEE-LN-5KG');
  });

  it("keeps an error's class name, masks a person's name under the same key", () => {
    expect(stringify({ error: { name: 'StaleRequestError', message: 'x-timestamp is old' } })).toContain(
      '"name":"StaleRequestError"',
    );
    expect(stringify({ recipient: { name: 'Trần Thị Bình' } })).not.toContain('Bình');
    expect(stringify({ name: 'Lê Error' })).not.toContain('Lê Error');
  });
});

describe('createLogger', () => {
  it('writes the error class name readable and the buyer masked', () => {
    const lines: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      }),
    );
    const writes = [process.stdout, process.stderr].map((stream) =>
      jest.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
        lines.push(String(chunk));
        return true;
      }),
    );
    try {
      const logger = createLogger('test', { logLevel: 'INFO' });
      logger.warn('request refused', {
        error: new StaleRequestError('x-timestamp is 900 s away'),
        buyer: { name: 'Nguyễn Văn An', phone: '0912345678' },
      });
    } finally {
      for (const spy of spies) spy.mockRestore();
      for (const spy of writes) spy.mockRestore();
    }
    const out = lines.join('\n');
    expect(out).toContain('StaleRequestError');
    expect(out).not.toContain('Nguyễn');
    expect(out).not.toContain('0912345678');
  });
});
