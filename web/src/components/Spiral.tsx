/**
 * The golden spiral drawn from squares whose sides are Fibonacci numbers: each square is laid against
 * the rectangle of the ones before it, turning a quarter each time, and a quarter circle runs through it.
 * Computed once; purely decorative.
 */
// Eight squares end on a landscape 34 × 21 rectangle, the shape the hero has room for.
const sides = [1, 1, 2, 3, 5, 8, 13, 21];

interface Square {
  x: number;
  y: number;
  side: number;
}

function layOut() {
  const squares: Square[] = [];
  let path = '';
  let box = { left: 0, top: 0, right: 0, bottom: 0 };
  sides.forEach((side, turn) => {
    // Down, right, up, left: the arc leaving each square starts the next one's.
    const direction = turn === 0 ? 'first' : (['right', 'up', 'left', 'down'] as const)[(turn - 1) % 4];
    const at = {
      first: { x: 0, y: 0 },
      right: { x: box.right, y: box.top },
      up: { x: box.left, y: box.top - side },
      left: { x: box.left - side, y: box.top },
      down: { x: box.left, y: box.bottom },
    }[direction ?? 'first'];
    squares.push({ ...at, side });
    const ends = {
      first: [at.x, at.y, at.x + side, at.y + side],
      down: [at.x, at.y, at.x + side, at.y + side],
      right: [at.x, at.y + side, at.x + side, at.y],
      up: [at.x + side, at.y + side, at.x, at.y],
      left: [at.x + side, at.y, at.x, at.y + side],
    }[direction ?? 'first'];
    const [fromX, fromY, toX, toY] = ends;
    path += `${turn === 0 ? `M${fromX} ${fromY}` : ''}A${side} ${side} 0 0 0 ${toX} ${toY}`;
    box = {
      left: Math.min(box.left, at.x),
      top: Math.min(box.top, at.y),
      right: Math.max(box.right, at.x + side),
      bottom: Math.max(box.bottom, at.y + side),
    };
  });
  return { squares, path, box };
}

const { squares, path, box } = layOut();

export function Spiral() {
  const pad = 0.5;
  const viewBox = `${box.left - pad} ${box.top - pad} ${box.right - box.left + 2 * pad} ${box.bottom - box.top + 2 * pad}`;
  return (
    <svg className="spiral" viewBox={viewBox} aria-hidden="true" focusable="false">
      {squares.map(({ x, y, side }, turn) => (
        <g key={turn}>
          <rect x={x} y={y} width={side} height={side} className="spiral-square" />
          {side >= 3 && (
            <text x={x + side / 2} y={y + side / 2} className="spiral-label" fontSize={side / 4}>
              {side}
            </text>
          )}
        </g>
      ))}
      <path d={path} className="spiral-path" />
    </svg>
  );
}
