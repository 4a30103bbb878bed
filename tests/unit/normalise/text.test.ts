import { accentKey, foldKey, toNfc } from '../../../shared/normalise/text.js';

describe('toNfc', () => {
  test('F17 NFD versus NFC', () => {
    // Buyer typed on an iPhone (decomposed) and the same name from a marketplace (composed).
    const composed = 'Nguyễn Thị Hồng';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed); // the strings really differ as received

    expect(toNfc(decomposed)).toBe(toNfc(composed));
    expect(toNfc(decomposed)).toBe('Nguyễn Thị Hồng');
    expect(toNfc(decomposed).length).toBe(composed.length);
    expect(foldKey(decomposed)).toBe(foldKey(composed));
    expect(foldKey(composed)).toBe('nguyen thi hong');

    // Search keys: "Lục Ngạn" matches "luc ngan" and "LỤC NGẠN"; đ folds to d.
    expect(foldKey('Lục Ngạn')).toBe(foldKey('luc ngan'));
    expect(foldKey('LỤC NGẠN')).toBe(foldKey('luc ngan'));
    expect(foldKey('Đặng Văn Đức')).toBe('dang van duc');
  });

  test('folding cases: "Lục Ngạn" folds with "luc ngan" and "LỤC NGẠN"; đ folds to d', () => {
    expect(foldKey('Lục Ngạn')).toBe('luc ngan');
    expect(foldKey('luc ngan')).toBe('luc ngan');
    expect(foldKey('LỤC NGẠN')).toBe('luc ngan');
    expect(foldKey('Lục Ngạn'.normalize('NFD'))).toBe('luc ngan');
    expect(foldKey('Đường Đồng Đăng')).toBe('duong dong dang');
    expect(foldKey('đ')).toBe('d');
  });

  test('collapses whitespace runs, NBSP and newlines, and trims', () => {
    expect(toNfc('  Xã\u00A0Phì   Điền \n Lục Ngạn\t')).toBe('Xã Phì Điền Lục Ngạn');
  });

  test('strips zero-width characters that make equal-looking strings differ', () => {
    expect(toNfc('Hồ\u200BNg\u200Dọc\uFEFF')).toBe('HồNgọc');
    expect(toNfc('\uFEFFBắc Ninh')).toBe('Bắc Ninh');
    expect(foldKey('Bắc\u200B Ninh')).toBe('bac ninh');
  });
});

describe('foldKey', () => {
  test('handles ỹ ỷ ỵ (composed, decomposed and upper case), which naive tables get wrong', () => {
    expect(foldKey('Mỹ Thọ')).toBe('my tho');
    expect(foldKey('Thủy Nguyên'.normalize('NFD'))).toBe('thuy nguyen');
    expect(foldKey('Kỷ')).toBe('ky');
    expect(foldKey('Lý Nhân')).toBe('ly nhan');
    expect(foldKey('Ỵ ỹ ỷ ỵ Ỹ Ỷ'.normalize('NFD'))).toBe('y y y y y y');
  });

  test('folds every Vietnamese vowel with every tone to its base letter', () => {
    const vowels = 'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ';
    const expected = 'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyy';
    expect(foldKey(vowels)).toBe(expected);
    expect(foldKey(vowels.normalize('NFD'))).toBe(expected);
    expect(foldKey(vowels.toUpperCase())).toBe(expected);
  });

  test('collapses whitespace', () => {
    expect(foldKey('  Bắc \t Giang ')).toBe('bac giang');
  });
});

describe('accentKey', () => {
  test('old and new tone placement give the same key ("Hoà" = "Hòa")', () => {
    expect(accentKey('Yên Hoà')).toBe(accentKey('Yên Hòa'));
    expect(accentKey('Thuỷ')).toBe(accentKey('Thủy'));
  });

  test('keeps names that differ only in marks apart ("Văn Lang" ≠ "Văn Lăng")', () => {
    expect(accentKey('Văn Lang')).not.toBe(accentKey('Văn Lăng'));
    expect(foldKey('Văn Lang')).toBe(foldKey('Văn Lăng'));
  });

  test('is case- and normalisation-insensitive', () => {
    expect(accentKey('LỤC NGẠN')).toBe(accentKey('lục ngạn'.normalize('NFD')));
  });
});
