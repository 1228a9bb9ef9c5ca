// The floor's and the naive shape's activities: no work at all, so that what
// is measured is Temporal's own cost per child (notes E9).
export async function trivial(): Promise<number> {
  return 1;
}
