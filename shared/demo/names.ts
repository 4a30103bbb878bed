/**
 * Vietnamese personal names, family name first ("Nguyễn Văn Hùng", "Trần Thị Thu Hà"), with
 * family names weighted by their real frequency and a Southern tilt where it exists
 * (Huỳnh/Võ are the Southern forms of Hoàng/Vũ).
 */
import { type Rng, WeightedTable } from './random.js';

export type Region = 'north' | 'central' | 'south';
export type Gender = 'male' | 'female';

/** [family name, weight in the North, weight in the South]; the Centre takes the average. */
const FAMILY_NAMES: ReadonlyArray<readonly [string, number, number]> = [
  ['Nguyễn', 38, 31],
  ['Trần', 11, 11],
  ['Lê', 9.5, 9.5],
  ['Phạm', 7, 6],
  ['Hoàng', 5.5, 1],
  ['Huỳnh', 0.3, 5],
  ['Phan', 4, 5],
  ['Vũ', 4.5, 0.5],
  ['Võ', 0.5, 4.5],
  ['Đặng', 2.1, 2],
  ['Bùi', 2, 2],
  ['Đỗ', 1.8, 1.2],
  ['Hồ', 1.1, 1.5],
  ['Ngô', 1.3, 1.3],
  ['Dương', 1, 1],
  ['Lý', 0.4, 0.8],
  ['Trịnh', 0.8, 0.4],
  ['Đinh', 0.8, 0.5],
  ['Lương', 0.5, 0.5],
  ['Mai', 0.4, 0.6],
  ['Đoàn', 0.6, 0.6],
  ['Cao', 0.5, 0.5],
  ['Tạ', 0.4, 0.2],
  ['Lâm', 0.2, 0.6],
  ['Hà', 0.5, 0.3],
  ['Chu', 0.4, 0.1],
  ['Kiều', 0.2, 0.1],
  ['Thân', 0.3, 0], // common in Bắc Giang
  ['Giáp', 0.2, 0], // Bắc Giang
];

const MIDDLE: Record<Gender, ReadonlyArray<readonly [string, number]>> = {
  male: [
    ['Văn', 40],
    ['Đức', 12],
    ['Minh', 12],
    ['Quang', 8],
    ['Hữu', 7],
    ['Công', 5],
    ['Thanh', 5],
    ['Xuân', 4],
    ['Ngọc', 3],
    ['Trọng', 3],
    ['Anh', 2],
    ['Tiến', 2],
  ],
  female: [
    ['Thị', 45],
    ['Ngọc', 10],
    ['Thu', 7],
    ['Thanh', 6],
    ['Minh', 5],
    ['Thùy', 5],
    ['Phương', 4],
    ['Hồng', 4],
    ['Kim', 3],
    ['Bảo', 3],
    ['Mai', 3],
    ['Diệu', 2],
  ],
};

const GIVEN: Record<Gender, readonly string[]> = {
  male: [
    'Hùng',
    'Dũng',
    'Tuấn',
    'Hải',
    'Nam',
    'Minh',
    'Long',
    'Quân',
    'Đức',
    'Thắng',
    'Cường',
    'Hiếu',
    'Trung',
    'Sơn',
    'Phong',
    'Khánh',
    'Huy',
    'Bình',
    'An',
    'Tùng',
    'Thành',
    'Vinh',
    'Hoàng',
    'Duy',
    'Kiên',
    'Lâm',
    'Đạt',
    'Phúc',
    'Tiến',
    'Toàn',
    'Hưng',
    'Lộc',
    'Quang',
    'Trường',
    'Việt',
    'Tài',
  ],
  female: [
    'Lan',
    'Hương',
    'Hoa',
    'Hằng',
    'Mai',
    'Linh',
    'Trang',
    'Thảo',
    'Ngọc',
    'Huyền',
    'Hà',
    'Yến',
    'Nhung',
    'Thủy',
    'Vân',
    'Anh',
    'Dung',
    'Phương',
    'Nga',
    'Loan',
    'Oanh',
    'Hạnh',
    'Quỳnh',
    'Trâm',
    'Vy',
    'Nhi',
    'Thư',
    'Giang',
    'Ly',
    'Hiền',
    'Tâm',
    'Liên',
    'Chi',
    'Nhàn',
    'Thơm',
    'Duyên',
  ],
};

const familyTables = new Map<Region, WeightedTable<string>>();
for (const region of ['north', 'central', 'south'] as const) {
  familyTables.set(
    region,
    new WeightedTable(
      FAMILY_NAMES.map(([name, north, south]) => {
        const w = region === 'north' ? north : region === 'south' ? south : (north + south) / 2;
        return [name, w] as const;
      }).filter(([, w]) => w > 0),
    ),
  );
}
const middleTables: Record<Gender, WeightedTable<string>> = {
  male: new WeightedTable(MIDDLE.male),
  female: new WeightedTable(MIDDLE.female),
};

/** A full name, family name first; sometimes with two given names ("Trần Thị Thu Hà"). */
export function personName(rng: Rng, region: Region = 'north', gender?: Gender): string {
  const g: Gender = gender ?? (rng.chance(0.52) ? 'female' : 'male');
  const family = rng.draw(familyTables.get(region) ?? (familyTables.get('north') as WeightedTable<string>));
  const middle = rng.draw(middleTables[g]);
  let given = rng.pick(GIVEN[g]);
  while (given === middle) given = rng.pick(GIVEN[g]);
  // Compound names ("Thị Thu Hà"): a second middle name from the given-name pool.
  if (middle === 'Thị' && rng.chance(0.25)) {
    let second = rng.pick(GIVEN.female);
    while (second === given) second = rng.pick(GIVEN.female);
    return `${family} ${middle} ${second} ${given}`;
  }
  return `${family} ${middle} ${given}`;
}
