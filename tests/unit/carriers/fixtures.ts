/** Test data for carrier tests. Names, phones and addresses are made up. */
import type { PickupRequest } from '../../../shared/domain/pickup.js';
import { GhnClient, type GhnClientConfig } from '../../../shared/adapters/carriers/ghn.js';
import { ConcurrencyLimiter } from '../../../shared/adapters/carriers/limiter.js';
import { type CarrierSandbox, SANDBOX_SHOP_ID, SANDBOX_TOKEN } from '../../../infra/local/carrier-sandbox.js';

export function pickupRequest(overrides: Partial<PickupRequest> = {}): PickupRequest {
  return {
    clientReference: 'alloc_01JXK3M9Q2',
    pickupDate: '2026-06-18',
    from: {
      name: 'HTX Vải thiều Lục Ngạn',
      phoneNational: '0204388001',
      wardCode: '07582',
      wardName: 'Xã Lục Ngạn',
      provinceName: 'Tỉnh Bắc Ninh',
      street: 'Thôn Bãi Chợ',
    },
    to: {
      name: 'Nguyễn Thị Hồng',
      phoneNational: '0912345678',
      street: '12 Nguyễn Trãi',
      wardName: 'Phường Thanh Xuân',
      provinceName: 'Thành phố Hà Nội',
      addressRaw: '12 Nguyễn Trãi, Thanh Xuân, Hà Nội',
    },
    weightGrams: 15_000,
    codAmountVnd: 600_000,
    items: [{ name: 'Vải thiều Lục Ngạn thùng 5kg', quantity: 3, weightGrams: 5_000 }],
    refrigerated: false,
    ...overrides,
  };
}

/** A client on the sandbox with its own limiter (the container-wide one is for production wiring). */
export function ghnClient(sandbox: CarrierSandbox, overrides: Partial<GhnClientConfig> = {}): GhnClient {
  return new GhnClient({
    baseUrl: sandbox.url,
    token: SANDBOX_TOKEN,
    shopId: SANDBOX_SHOP_ID,
    timeoutMs: 2_000,
    limiter: new ConcurrencyLimiter(8),
    retry: { attempts: 4, baseMs: 10, maxMs: 200 },
    ...overrides,
  });
}
