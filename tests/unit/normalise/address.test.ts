import {
  addressDataStats,
  findProvinceByName,
  getProvince,
  legacyWardsOf,
  listWards,
  resolveAddress,
} from '../../../shared/normalise/address.js';

const LUC_NGAN = { code: '07582', name: 'Xã Lục Ngạn', scheme: '2025' };
const BAC_NINH = { code: '24', name: 'Bắc Ninh' };
const HA_NOI = { code: '01', name: 'Thành phố Hà Nội' };
const HCM = { code: '79', name: 'Thành phố Hồ Chí Minh' };

describe('resolveAddress: 2025 two-level addresses', () => {
  test('Hà Nội ward with street, "TP" and "Phường" spelled out', () => {
    const raw = '12 Nguyễn Trãi, Phường Thanh Xuân, TP Hà Nội';
    expect(resolveAddress(raw)).toEqual({
      raw,
      street: '12 Nguyễn Trãi',
      status: 'exact',
      province: HA_NOI,
      ward: { code: '00367', name: 'Phường Thanh Xuân', scheme: '2025' },
    });
  });

  test('the chat-order form: no ward type, "HN"', () => {
    const result = resolveAddress('12 Nguyễn Trãi, Thanh Xuân, HN');
    expect(result.status).toBe('exact');
    expect(result.ward?.code).toBe('00367');
    expect(result.street).toBe('12 Nguyễn Trãi');
  });

  test.each([
    '1 Đồng Khởi, Phường Bến Thành, TP.HCM',
    '1 Đồng Khởi, P. Bến Thành, TPHCM',
    '1 Đồng Khởi, Bến Thành, SG',
  ])('Hồ Chí Minh City ward: %j', (raw) => {
    const result = resolveAddress(raw);
    expect(result).toMatchObject({ status: 'exact', province: HCM, street: '1 Đồng Khởi' });
    expect(result.ward).toEqual({ code: '26743', name: 'Phường Bến Thành', scheme: '2025' });
  });

  test.each([
    'Xã Lục Ngạn, Tỉnh Bắc Ninh',
    'xa luc ngan bac ninh',
    'XÃ LỤC NGẠN, BẮC NINH',
    'Xã Lục Ngạn, Tỉnh Bắc Ninh'.normalize('NFD'),
    'X. Lục Ngạn, T. Bắc Ninh',
    'Xã Lục Ngạn, Bắc Giang', // new commune with the old province name
  ])('Bắc Ninh commune, any spelling: %j', (raw) => {
    const result = resolveAddress(raw);
    expect(result.status).toBe('exact');
    expect(result.province).toEqual(BAC_NINH);
    expect(result.ward).toEqual(LUC_NGAN);
    expect(result.raw).toBe(raw);
  });

  test('dashes separate parts but also occur inside official names', () => {
    expect(resolveAddress('Phường Lâm Viên - Đà Lạt, Lâm Đồng').ward?.code).toBe('24778');
    const dashed = resolveAddress('12 Nguyễn Trãi - Thanh Xuân - Hà Nội');
    expect(dashed).toMatchObject({ status: 'exact', street: '12 Nguyễn Trãi', ward: { code: '00367' } });
  });

  test('names that differ only in diacritics: exact when accented, ambiguous when not', () => {
    // Thái Nguyên has both "Xã Văn Lang" and "Xã Văn Lăng".
    expect(resolveAddress('Xã Văn Lăng, Thái Nguyên').ward?.code).toBe('05665');
    expect(resolveAddress('Xã Văn Lang, Thái Nguyên').ward?.code).toBe('02143');
    const unaccented = resolveAddress('xa van lang, thai nguyen');
    expect(unaccented.status).toBe('ambiguous');
    expect(unaccented.candidates?.map((c) => c.wardCode)).toEqual(['02143', '05665']);
  });

  test('ward names come out NFC even where the package stores them decomposed', () => {
    const name = resolveAddress('Phường An Hội Tây, TP.HCM').ward?.name;
    expect(name).toBe('Phường An Hội Tây');
    expect(name).toBe(name?.normalize('NFC'));
  });
});

describe('resolveAddress: pre-2025 three-level addresses', () => {
  test('old Bắc Giang commune → Xã Lục Ngạn, Tỉnh Bắc Ninh, code 07582 (DOMAIN §1)', () => {
    const raw = 'Thôn X, Xã Phì Điền, Huyện Lục Ngạn, Tỉnh Bắc Giang';
    expect(resolveAddress(raw)).toEqual({
      raw,
      street: 'Thôn X',
      status: 'exact',
      province: BAC_NINH,
      ward: LUC_NGAN,
      legacy: {
        wardCode: '07582',
        wardName: 'Thị trấn Phì Điền', // the package has it as a township, buyers write "Xã"
        districtName: 'Huyện Lục Ngạn',
        provinceName: 'Tỉnh Bắc Giang',
        scheme: 'pre2025',
      },
    });
  });

  test.each([
    'thon 5 xa phi dien huyen luc ngan tinh bac giang',
    'X. Phì Điền, H. Lục Ngạn, T. Bắc Giang',
    'TT Phì Điền, Lục Ngạn, Bắc Giang',
    'Phì Điền - Lục Ngạn - Bắc Giang',
    'Xã Phì Điền, Huyện Lục Ngạn, Bắc Giang, Việt Nam',
    'Xã Phì Điền, Huyện Lục Ngạn', // no province: the district narrows it
    'Xã Phì Điền, Huyện Lục Ngạn, Tỉnh Bắc Giang'.normalize('NFD'),
  ])('old-style spellings: %j', (raw) => {
    const result = resolveAddress(raw);
    expect(result.status).toBe('exact');
    expect(result.ward).toEqual(LUC_NGAN);
    expect(result.legacy).toMatchObject({ wardName: 'Thị trấn Phì Điền', scheme: 'pre2025' });
  });

  test('every old Lục Ngạn commune resolves to its 2025 commune in Bắc Ninh', () => {
    const communes = legacyWardsOf('Bắc Giang').filter((w) => w.districtName === 'Huyện Lục Ngạn');
    expect(communes.length).toBeGreaterThanOrEqual(19);
    for (const commune of communes) {
      const result = resolveAddress(`Thôn 1, ${commune.wardName}, ${commune.districtName}, Tỉnh Bắc Giang`);
      expect(result.status).toBe('exact');
      expect(result.province).toEqual(BAC_NINH);
      expect(result.ward?.code).toBe(commune.newWards[0]?.code);
    }
  });

  test('a reused ward code: old 07537 "Xã Phong Vân" is in new 07537 "Xã Biên Sơn"; old Biên Sơn was 07555', () => {
    const phongVan = resolveAddress('Xã Phong Vân, Huyện Lục Ngạn, Tỉnh Bắc Giang');
    expect(phongVan.legacy).toMatchObject({ wardCode: '07537', wardName: 'Xã Phong Vân', scheme: 'pre2025' });
    expect(phongVan.ward).toEqual({ code: '07537', name: 'Xã Biên Sơn', scheme: '2025' });
    const bienSon = resolveAddress('Xã Biên Sơn, Huyện Lục Ngạn, Tỉnh Bắc Giang');
    expect(bienSon.legacy?.wardCode).toBe('07555');
    expect(bienSon.ward?.code).toBe('07537');
  });

  test('old Hồ Chí Minh City ward with abbreviations (P.12, Q.Gò Vấp, Tp.HCM)', () => {
    const result = resolveAddress('45 Lê Lợi, P.12, Q.Gò Vấp, Tp.HCM');
    expect(result).toMatchObject({
      status: 'exact',
      street: '45 Lê Lợi',
      province: HCM,
      ward: { code: '26882', name: 'Phường An Hội Tây', scheme: '2025' },
      legacy: { wardCode: '26881', wardName: 'Phường 12', districtName: 'Quận Gò Vấp', scheme: 'pre2025' },
    });
  });

  test('old Hà Nội ward', () => {
    const result = resolveAddress('Phường Thanh Xuân Bắc, Quận Thanh Xuân, Hà Nội');
    expect(result).toMatchObject({ status: 'exact', province: HA_NOI, ward: { code: '00367' } });
    expect(result.legacy?.wardName).toBe('Phường Thanh Xuân Bắc');
  });

  test('a mapping whose package code points at another province is repaired by name', () => {
    // The package maps Xã Văn Nhuệ to code 10231 (a Hà Nội commune) but names Hưng Yên's Xã Nguyễn Trãi.
    const result = resolveAddress('Xã Văn Nhuệ, Huyện Ân Thi, Tỉnh Hưng Yên');
    expect(result.status).toBe('exact');
    expect(result.province?.code).toBe('33');
    expect(result.ward).toEqual({ code: '12184', name: 'Xã Nguyễn Trãi', scheme: '2025' });
  });
});

describe('resolveAddress: ambiguous and not found', () => {
  test('an old ward split across two new wards → ambiguous with both candidates (Dịch Vọng, Cầu Giấy)', () => {
    const result = resolveAddress('Số 5 ngõ 10, Phường Dịch Vọng, Quận Cầu Giấy, Hà Nội');
    expect(result.status).toBe('ambiguous');
    expect(result.ward).toBeUndefined();
    expect(result.province).toEqual(HA_NOI);
    expect(result.street).toBe('Số 5 ngõ 10');
    expect(result.legacy).toMatchObject({
      wardCode: '00166',
      wardName: 'Phường Dịch Vọng',
      scheme: 'pre2025',
    });
    expect(result.candidates).toEqual([
      { wardCode: '00160', wardName: 'Phường Nghĩa Đô', provinceCode: '01' },
      { wardCode: '00166', wardName: 'Phường Cầu Giấy', provinceCode: '01' },
    ]);
  });

  test('split ward in Gò Vấp (old Phường 13) → ambiguous', () => {
    const result = resolveAddress('Phường 13, Quận Gò Vấp, TP.HCM');
    expect(result.status).toBe('ambiguous');
    expect(result.candidates?.map((c) => c.wardCode)).toEqual(['26878', '26882']);
  });

  test('an old commune name found in two old districts, without the district → ambiguous', () => {
    const result = resolveAddress('Xã Thanh Hải, Bắc Giang');
    expect(result.status).toBe('ambiguous');
    expect(result.candidates?.length).toBeGreaterThanOrEqual(2);
    expect(resolveAddress('Xã Thanh Hải, Thị xã Chũ, Bắc Giang').status).toBe('exact');
  });

  test('an old district without a commune → ambiguous among its 2025 communes', () => {
    const result = resolveAddress('Huyện Lục Ngạn, Tỉnh Bắc Giang');
    expect(result.status).toBe('ambiguous');
    expect(result.legacy).toMatchObject({ districtName: 'Huyện Lục Ngạn', provinceName: 'Tỉnh Bắc Giang' });
    expect(result.candidates?.map((c) => c.wardCode)).toContain('07582');
    expect(result.candidates?.every((c) => c.provinceCode === '24')).toBe(true);
  });

  test.each(['asdf qwer', '', '   ', 'Thôn 3', 'Xã Không Có Thật, Tỉnh Không Có'])(
    'not_found, never throws, keeps raw: %j',
    (raw) => {
      const result = resolveAddress(raw);
      expect(result.status).toBe('not_found');
      expect(result.raw).toBe(raw);
      expect(result.ward).toBeUndefined();
    },
  );

  test('a street named like a commune is not taken for the commune', () => {
    // Hà Nội had an old "Xã Nguyễn Trãi" (Thường Tín); "12 Nguyễn Trãi" is a street.
    const result = resolveAddress('12 Nguyễn Trãi, Hà Nội');
    expect(result.status).toBe('not_found');
    expect(result.province).toEqual(HA_NOI);
  });

  test('garbage input of the wrong type does not throw', () => {
    expect(resolveAddress(null as unknown as string).status).toBe('not_found');
    expect(resolveAddress({} as never).status).toBe('not_found');
  });
});

describe('resolveAddress: structured input', () => {
  test('fields as a marketplace sends them, old scheme, no types', () => {
    const result = resolveAddress({
      street: 'Thôn Kim 1',
      ward: 'Phì Điền',
      district: 'Lục Ngạn',
      province: 'Bắc Giang',
    });
    expect(result).toMatchObject({
      raw: 'Thôn Kim 1, Phì Điền, Lục Ngạn, Bắc Giang',
      street: 'Thôn Kim 1',
      status: 'exact',
      ward: LUC_NGAN,
    });
  });

  test('new scheme fields', () => {
    const result = resolveAddress({
      street: '12 Nguyễn Trãi',
      ward: 'Phường Thanh Xuân',
      province: 'Hà Nội',
    });
    expect(result).toMatchObject({ street: '12 Nguyễn Trãi', status: 'exact', ward: { code: '00367' } });
  });

  test('only a street field holding the whole address is parsed as free text', () => {
    const result = resolveAddress({ street: '12 Nguyễn Trãi, Phường Thanh Xuân, Hà Nội' });
    expect(result).toMatchObject({ street: '12 Nguyễn Trãi', status: 'exact', ward: { code: '00367' } });
  });
});

describe('province and ward lookups', () => {
  test('listWards: 5-digit codes, sorted, NFC names', () => {
    const wards = listWards('24');
    expect(wards.length).toBe(99);
    expect(wards.every((w) => /^\d{5}$/.test(w.code) && w.name === w.name.normalize('NFC'))).toBe(true);
    expect(wards.map((w) => w.code)).toEqual([...wards.map((w) => w.code)].sort());
    expect(wards).toContainEqual({ code: '07582', name: 'Xã Lục Ngạn' });
    expect(listWards('99')).toEqual([]);
  });

  test('every 2025 province has wards; 34 provinces, 3,321 wards', () => {
    let provinces = 0;
    let wards = 0;
    for (let n = 1; n <= 99; n++) {
      const province = getProvince(String(n));
      if (!province) continue;
      provinces += 1;
      expect(province.code).toMatch(/^\d{2}$/);
      const list = listWards(province.code);
      expect(list.length).toBeGreaterThan(0);
      wards += list.length;
    }
    expect(provinces).toBe(34);
    expect(wards).toBe(3321);
  });

  test('getProvince pads codes', () => {
    expect(getProvince('1')).toEqual(HA_NOI);
    expect(getProvince('01')).toEqual(HA_NOI);
    expect(getProvince('24')).toEqual(BAC_NINH);
    expect(getProvince('02')).toBeUndefined();
  });

  test.each([
    ['Tỉnh Bắc Giang', '24'],
    ['bac giang', '24'],
    ['Bắc Ninh', '24'],
    ['Hà Nội', '01'],
    ['HN', '01'],
    ['TP.HCM', '79'],
    ['TPHCM', '79'],
    ['Sài Gòn', '79'],
    ['Tỉnh Bình Dương', '79'],
    ['Bà Rịa - Vũng Tàu', '79'],
    ['Thừa Thiên Huế', '46'],
    ['Tỉnh Hoà Bình', '25'],
  ])('findProvinceByName(%j) → %s', (name, code) => {
    expect(findProvinceByName(name)?.code).toBe(code);
  });

  test('findProvinceByName: unknown names and partial matches → undefined', () => {
    expect(findProvinceByName('Atlantis')).toBeUndefined();
    expect(findProvinceByName('Xã Lục Ngạn, Bắc Ninh')).toBeUndefined();
  });
});

describe('legacyWardsOf', () => {
  test('old Bắc Giang: every commune maps whole (no splits) onto 58 communes of Bắc Ninh', () => {
    const communes = legacyWardsOf('Bắc Giang');
    // 192 coded communes (DOMAIN §1), plus 42 uncoded names from before the 2024-25 mergers and
    // upgrades ("Xã Dĩnh Trì" before it became "Phường Dĩnh Trì") that buyers still write.
    expect(communes.filter((c) => c.wardCode !== undefined).length).toBe(192);
    expect(communes.length).toBe(234);
    expect(communes.every((c) => c.newProvinceCode === '24' && c.provinceName === 'Tỉnh Bắc Giang')).toBe(
      true,
    );
    expect(communes.every((c) => c.newWards.length === 1)).toBe(true);
    expect(new Set(communes.map((c) => c.newWards[0]?.code)).size).toBe(58);
    expect(communes).toContainEqual({
      wardCode: '07582',
      wardName: 'Thị trấn Phì Điền',
      districtName: 'Huyện Lục Ngạn',
      provinceName: 'Tỉnh Bắc Giang',
      newProvinceCode: '24',
      newWards: [LUC_NGAN].map(({ code, name }) => ({ code, name })),
    });
  });

  test('accepts the name with type or unaccented; unknown → empty', () => {
    expect(legacyWardsOf('Tỉnh Bắc Giang')).toEqual(legacyWardsOf('bac giang'));
    expect(legacyWardsOf('Atlantis')).toEqual([]);
  });

  test('a split old ward lists all its new wards', () => {
    const dichVong = legacyWardsOf('Hà Nội').find((w) => w.wardName === 'Phường Dịch Vọng');
    expect(dichVong?.newWards.map((w) => w.code)).toEqual(['00160', '00166']);
  });

  test('package rows without an old ward are skipped; bad codes are repaired by name', () => {
    const stats = addressDataStats();
    expect(stats.skippedMappings).toBe(5);
    expect(stats.repairedWardCodes).toBeGreaterThan(300);
  });
});
