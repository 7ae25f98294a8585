// Shared by the benches: every figure is printed against its goal, and a missed goal fails
// `npm run bench` (after every figure of the file is printed).
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function check(what, value, op, goal) {
  const ok = op === '≤' ? value <= goal : value >= goal;
  console.log(
    `  ${ok ? 'PASS' : 'FAIL'} ${what}: ${Number.isInteger(value) ? value : value.toFixed(3)} (goal ${op} ${goal})`,
  );
  if (!ok) process.exitCode = 1;
}
