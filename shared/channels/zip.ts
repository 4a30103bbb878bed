/**
 * Just enough ZIP for XLSX files (an XLSX workbook is a ZIP of XML parts): read the central
 * directory, inflate one named entry with a hard cap on its unpacked size, and write a ZIP of a few
 * entries (used to build sample workbooks).
 *
 * Zip-bomb guard: the declared sizes in the central directory are checked first, and inflation is
 * capped with zlib's `maxOutputLength`, so an entry that lies about its size still cannot unpack
 * past the cap. ZIP64 archives, encrypted entries and methods other than stored/deflate are refused.
 */
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/** The archive is not a ZIP we can read (its message is plain words for an operator). */
export class ZipFormatError extends Error {
  override readonly name = 'ZipFormatError';
}

/** An entry (or the archive) unpacks to more than the caller allows. */
export class ZipTooLargeError extends Error {
  override readonly name = 'ZipTooLargeError';
}

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  /** CRC-32 of the unpacked bytes, from the central directory. */
  crc: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const MAX_ENTRIES = 2000;

/** Whether the bytes start like a ZIP archive (`PK\3\4`). */
export function looksLikeZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === LOCAL_SIGNATURE;
}

/** The entries of the archive's central directory, by name. */
export function readZipDirectory(bytes: Buffer): Map<string, ZipEntry> {
  if (!looksLikeZip(bytes)) throw new ZipFormatError('is not a ZIP archive');
  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (bytes.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('is a truncated ZIP archive (no central directory)');
  const count = bytes.readUInt16LE(eocd + 10);
  const size = bytes.readUInt32LE(eocd + 12);
  const offset = bytes.readUInt32LE(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    throw new ZipTooLargeError('is a ZIP64 archive (too large for an upload)');
  }
  if (count > MAX_ENTRIES) throw new ZipTooLargeError(`has ${count} ZIP entries (at most ${MAX_ENTRIES})`);
  if (offset + size > eocd) throw new ZipFormatError('has a damaged ZIP central directory');
  const entries = new Map<string, ZipEntry>();
  let at = offset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      throw new ZipFormatError('has a damaged ZIP central directory');
    }
    const flags = bytes.readUInt16LE(at + 8);
    const crc = bytes.readUInt32LE(at + 16);
    const method = bytes.readUInt16LE(at + 10);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const uncompressedSize = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const localHeaderOffset = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff) {
      throw new ZipTooLargeError('is a ZIP64 archive (too large for an upload)');
    }
    entries.set(name, { name, method, flags, compressedSize, uncompressedSize, localHeaderOffset, crc });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Unpacks one entry; refuses (ZipTooLargeError) anything that would unpack past `maxBytes`. */
export function readZipEntry(bytes: Buffer, entry: ZipEntry, maxBytes: number): Buffer {
  if ((entry.flags & 0x1) !== 0)
    throw new ZipFormatError(`is encrypted (${entry.name}); remove the password`);
  if (entry.uncompressedSize > maxBytes) {
    throw new ZipTooLargeError(
      `unpacks ${entry.name} to ${entry.uncompressedSize} bytes (at most ${maxBytes})`,
    );
  }
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL_SIGNATURE) {
    throw new ZipFormatError(`has a damaged ZIP entry (${entry.name})`);
  }
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new ZipFormatError(`has a truncated ZIP entry (${entry.name})`);
  const data = bytes.subarray(start, end);
  let out: Buffer;
  if (entry.method === 0) {
    out = Buffer.from(data);
  } else if (entry.method === 8) {
    try {
      out = inflateRawSync(data, { maxOutputLength: maxBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        throw new ZipTooLargeError(`unpacks ${entry.name} to more than ${maxBytes} bytes`);
      }
      throw new ZipFormatError(`has a damaged ZIP entry (${entry.name})`);
    }
  } else {
    throw new ZipFormatError(
      `uses ZIP compression method ${entry.method} (only stored and deflate are read)`,
    );
  }
  if (out.length !== entry.uncompressedSize || crc32(out) !== entry.crc) {
    throw new ZipFormatError(`has a damaged ZIP entry (${entry.name}: size or checksum mismatch)`);
  }
  return out;
}

/** 2026-06-15 00:00 as a DOS date/time: fixed, so the same entries give the same bytes. */
const DOS_TIME = 0;
const DOS_DATE = ((2026 - 1980) << 9) | (6 << 5) | 15;

/** A deflated ZIP of these entries, in order (deterministic bytes). */
export function writeZip(entries: Array<{ name: string; data: Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const packed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_SIGNATURE, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_SIGNATURE, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(EOCD_SIGNATURE, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(directory.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, eocd]);
}
