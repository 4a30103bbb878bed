/**
 * Pickups: one courier pickup per allocation (the cooperative's part of an order). The carrier
 * port hides each courier's API; `clientReference` (the allocation id) is the idempotency key the
 * courier stores (GHN client_order_code, GHTK order.id, Viettel Post ORDER_NUMBER).
 */
export interface PickupRequest {
  /** Stable per allocation: a retry must never create a second shipment (F15). */
  clientReference: string;
  pickupDate: string;
  from: {
    name: string;
    phoneNational: string;
    wardCode: string;
    wardName: string;
    provinceName: string;
    street?: string;
  };
  to: {
    name: string;
    phoneNational: string;
    street?: string;
    wardCode?: string;
    wardName?: string;
    provinceName?: string;
    addressRaw: string;
  };
  weightGrams: number;
  codAmountVnd: number;
  items: Array<{ name: string; quantity: number; weightGrams: number }>;
  note?: string;
  /** Cold-chain or export pickups need a refrigerated vehicle. */
  refrigerated: boolean;
}

export interface PickupBooking {
  carrier: string;
  clientReference: string;
  trackingCode: string;
  expectedPickupAt?: string;
  feeVnd?: number;
  /** True when the courier already had a shipment for this reference (a retry after a timeout). */
  existing: boolean;
}

/**
 * What a courier said to a cancel. Couriers cancel only before they collect the parcel (GHN:
 * `ready_to_pick`, `picking`); later the answer is a refusal, which no retry changes: the operator
 * must stop the parcel by hand (call the courier, tell the cooperative not to hand it over).
 */
/** The log line the operators' alarm (a CloudWatch metric filter on it) counts. */
export const CANCEL_REFUSED_LOG = 'courier refused to cancel the pickup of a released allocation';

export type PickupCancellation =
  | { outcome: 'cancelled'; trackingCode: string }
  | { outcome: 'refused'; trackingCode: string; reason: string };

export interface CarrierClient {
  readonly carrier: string;
  /** Creates the shipment, or returns the existing one for the same clientReference. */
  bookPickup(request: PickupRequest, options?: { signal?: AbortSignal }): Promise<PickupBooking>;
  /** Cancels a shipment by the courier's tracking code; cancelling a cancelled one is not an error. */
  cancelPickup(trackingCode: string, options?: { signal?: AbortSignal }): Promise<PickupCancellation>;
  /** Looks a shipment up by our reference (used before creating, after a timeout). */
  findByClientReference(
    clientReference: string,
    options?: { signal?: AbortSignal },
  ): Promise<PickupBooking | undefined>;
}

export interface CooperativeMessage {
  cooperativeId: string;
  /** Idempotency key: the same message is sent once. */
  messageId: string;
  /** Zalo OA follower id of the cooperative's contact. */
  recipient: string;
  /** Vietnamese text as the cooperative will read it. */
  text: string;
}

export interface Notifier {
  send(message: CooperativeMessage): Promise<{ deliveredAt: string; providerMessageId: string }>;
}
