import { channelOrderKey, orderIdFor } from '../../shared/adapters/dynamodb/keys.js';

describe('order dedupe key (channelOrderKey / orderIdFor)', () => {
  it("two direct sellers' equal order numbers are two orders", () => {
    const a = orderIdFor({ channel: 'portal', seller: 'ghv-local', externalId: '1001' });
    const b = orderIdFor({ channel: 'portal', seller: 'vaithieu-local', externalId: '1001' });
    expect(a).not.toBe(b);
    expect(a).toBe(orderIdFor({ channel: 'portal', seller: 'ghv-local', externalId: '1001' }));
  });

  it('a marketplace keeps one namespace per channel: the id of a relayed or exported Postmart order is (channel, id)', () => {
    expect(orderIdFor({ channel: 'postmart', externalId: 'PM-1' })).toBe(
      orderIdFor({ channel: 'postmart', externalId: 'PM-1' }),
    );
    expect(orderIdFor({ channel: 'postmart', externalId: 'PM-1' })).not.toBe(
      orderIdFor({ channel: 'voso', externalId: 'PM-1' }),
    );
    // Unchanged from before sellers existed: stored marketplace orders keep their ids.
    expect(channelOrderKey({ channel: 'tiktok', externalId: '57' })).toBe('tiktok\u000057');
  });

  it('refuses a portal order without its seller, and a seller on a marketplace order', () => {
    expect(() => orderIdFor({ channel: 'portal', externalId: '1001' })).toThrow(/seller is missing/);
    expect(() => orderIdFor({ channel: 'tiktok', seller: 'x', externalId: '1' })).toThrow(
      /not keyed by seller/,
    );
  });

  it('a seller id cannot smuggle a separator into another key', () => {
    expect(() => channelOrderKey({ channel: 'portal', seller: 'a\u0000b', externalId: 'c' })).toThrow(
      /not a seller id/,
    );
  });
});
