// Op codes shared with native/cpu/*.h — keep the numbers in step with the C++ enums.
export const enum Binary {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
}
