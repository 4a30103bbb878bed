import {
  type AllocationMessageInput,
  composeAllocationMessage,
  composeReleaseMessage,
} from '../../../shared/adapters/notifier/message.js';
import { ValidationError } from '../../../shared/errors.js';

const allocation = (overrides: Partial<AllocationMessageInput> = {}): AllocationMessageInput => ({
  cooperativeName: 'HTX Vải thiều Phì Điền',
  orderId: 'ord_01JXK3',
  allocationId: 'alloc_01JXK3_1',
  lines: [{ productName: 'Vải thiều Lục Ngạn thùng 5kg', quantity: 3, batchId: 'B-0616-PD-01' }],
  pickupDate: '2026-06-18',
  carrierName: 'GHN',
  ...overrides,
});

describe('composeAllocationMessage', () => {
  it('tells the cooperative what to pack, from which batch, and when the courier comes', () => {
    expect(composeAllocationMessage(allocation())).toBe(
      '[Harvest] HTX Vải thiều Phì Điền nhận đơn ord_01JXK3: 3 thùng Vải thiều Lục Ngạn thùng 5kg (lô B-0616-PD-01), ' +
        'giao cho GHN lấy hàng ngày 18/06/2026. Mã phân bổ: alloc_01JXK3_1.',
    );
  });

  it('names the growing-area code to pack an export order under', () => {
    const text = composeAllocationMessage(allocation({ market: 'EU', growingAreaCode: 'VN-BGLN-0159' }));

    expect(text).toContain('Đơn xuất khẩu EU: dùng mã vùng trồng VN-BGLN-0159.');
  });

  it('names the market in Vietnamese and warns when no code was given', () => {
    const text = composeAllocationMessage(allocation({ market: 'JP' }));

    expect(text).toContain('Đơn xuất khẩu Nhật Bản: chỉ dùng hàng từ vùng trồng có mã hợp lệ');
  });

  it('lists every line, with a unit word only where one is known', () => {
    const text = composeAllocationMessage(
      allocation({
        lines: [
          { productName: 'Vải thiều Lục Ngạn thùng 10kg', quantity: 2, batchId: 'B-1' },
          { productName: 'Mì Chũ 1kg (OCOP 4 sao)', quantity: 5, batchId: 'B-2' },
          { productName: 'Gà đồi Yên Thế', quantity: 1, batchId: 'B-3', unit: 'con' },
        ],
      }),
    );

    expect(text).toContain(
      '2 thùng Vải thiều Lục Ngạn thùng 10kg (lô B-1); 5 × Mì Chũ 1kg (OCOP 4 sao) (lô B-2); 1 con Gà đồi Yên Thế (lô B-3)',
    );
  });

  it('says to get the goods ready when no courier is booked yet', () => {
    expect(composeAllocationMessage(allocation({ carrierName: undefined }))).toContain(
      'chuẩn bị hàng để lấy ngày 18/06/2026',
    );
  });

  it('F17 is NFC even when the inputs arrive decomposed', () => {
    const text = composeAllocationMessage(
      allocation({
        cooperativeName: 'HTX Vải thiều Phì Điền'.normalize('NFD'),
        lines: [
          { productName: 'Vải thiều Lục Ngạn thùng 5kg'.normalize('NFD'), quantity: 3, batchId: 'B-1' },
        ],
      }),
    );

    expect(text).toBe(text.normalize('NFC'));
    expect(text).toContain('HTX Vải thiều Phì Điền');
    expect(text).toContain('3 thùng Vải thiều Lục Ngạn');
  });

  it('carries no buyer contact: at most the destination ward and province', () => {
    const buyer = { name: 'Trần Văn Bình', phone: '0912345678', street: '12 Nguyễn Trãi' };

    const text = composeAllocationMessage(
      allocation({ destination: { wardName: 'Phường Thanh Xuân', provinceName: 'Thành phố Hà Nội' } }),
    );

    expect(text).toContain('Nơi nhận: Phường Thanh Xuân, Thành phố Hà Nội.');
    expect(text).not.toContain(buyer.name);
    expect(text).not.toContain(buyer.street);
    expect(text).not.toMatch(/(?:\+?84|0)\d{9}/);
  });

  it('stays within one Zalo message for a large allocation', () => {
    const lines = Array.from({ length: 40 }, (_, i) => ({
      productName: 'Vải thiều Lục Ngạn thùng 5kg',
      quantity: 1,
      batchId: `B-${i}`,
    }));

    const text = composeAllocationMessage(allocation({ lines }));

    expect(text).toContain('và 28 mặt hàng khác');
    expect(text.length).toBeLessThanOrEqual(2_000);
  });

  it.each([['18/06/2026'], ['2026-02-30'], ['']])('refuses the pickup date %p', (pickupDate) => {
    expect(() => composeAllocationMessage(allocation({ pickupDate }))).toThrow(ValidationError);
  });

  it('refuses an allocation without lines or with a non-positive quantity', () => {
    expect(() => composeAllocationMessage(allocation({ lines: [] }))).toThrow(/lines/);
    expect(() =>
      composeAllocationMessage(allocation({ lines: [{ productName: 'Vải', quantity: 0, batchId: 'B' }] })),
    ).toThrow(/lines\[0\]\.quantity/);
  });
});

describe('composeReleaseMessage', () => {
  const released = (reason: string) =>
    composeReleaseMessage({
      cooperativeName: 'HTX Vải thiều Phì Điền',
      orderId: 'ord_01JXK3',
      allocationId: 'ord_01JXK3.htx-pd',
      lines: [{ productName: 'Vải thiều Lục Ngạn thùng 5kg', quantity: 3, batchId: 'B-0616-PD-01' }],
      reason,
    });

  it('tells the cooperative a cancelled order must not be packed, and that the courier was called off', () => {
    expect(released('buyer cancelled')).toBe(
      '[Harvest] HTX Vải thiều Phì Điền: đơn ord_01JXK3 đã bị huỷ, KHÔNG đóng gói (3 thùng Vải thiều Lục Ngạn thùng 5kg (lô B-0616-PD-01)). ' +
        'Hàng đã trả lại tồn kho; nếu đã đặt lấy hàng, lệnh lấy hàng cũng đã được huỷ. Mã phân bổ: ord_01JXK3.htx-pd.',
    );
  });

  it('names the suspended growing-area code', () => {
    const text = released('growing_area_suspended: VN-BGLN-0159');
    expect(text).toContain('KHÔNG đóng gói đơn ord_01JXK3');
    expect(text).toContain('Mã vùng trồng VN-BGLN-0159 đang bị tạm dừng');
  });

  it('confirms a decline to the cooperative that declined', () => {
    const text = released('declined: hết xe');
    expect(text).toContain('đã ghi nhận HTX từ chối đơn ord_01JXK3');
    expect(text).not.toContain('KHÔNG đóng gói');
  });

  it('refuses a release with no lines', () => {
    expect(() =>
      composeReleaseMessage({
        cooperativeName: 'HTX',
        orderId: 'o',
        allocationId: 'a',
        lines: [],
        reason: 'x',
      }),
    ).toThrow(ValidationError);
  });
});
