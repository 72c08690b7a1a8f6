/**
 * Keyboard moves over a strip of cells laid out in rows (the allocation map, the bundle view's guest disk): arrows
 * move the cursor, Enter chooses the cell. The caller repaints; this only says where the cursor goes.
 */
export type CellKey = { move: number } | { choose: number } | undefined;

export function cellKey(e: KeyboardEvent, cursor: number, cells: number, cols: number): CellKey {
  const moves: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols };
  if (e.key in moves && cells > 0) {
    e.preventDefault();
    return { move: Math.max(0, Math.min(cells - 1, Math.max(0, cursor) + moves[e.key])) };
  }
  if (e.key === 'Enter' && cursor >= 0) {
    e.preventDefault();
    return { choose: cursor };
  }
  return undefined;
}
