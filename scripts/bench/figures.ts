/** A benchmark figure next to its target, printed as one line each after the JSON report. */
export interface Figure {
  name: string;
  value: number | string;
  /** The target as the issue states it, e.g. `<= 1.25`. */
  target: string;
  /** Whether the value meets the target; undefined when the figure has no pass mark. */
  met?: boolean;
}

export function atMost(name: string, value: number, limit: number, unit = ''): Figure {
  return { name, value: `${round(value)}${unit}`, target: `<= ${round(limit)}${unit}`, met: value <= limit };
}

export function exactly(name: string, value: number, expected: number): Figure {
  return { name, value, target: `= ${expected}`, met: value === expected };
}

export function info(name: string, value: number | string): Figure {
  return { name, value: typeof value === 'number' ? round(value) : value, target: '' };
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function printFigures(title: string, figures: readonly Figure[]): void {
  console.log(`\n${title}`);
  const width = Math.max(...figures.map((f) => f.name.length));
  for (const figure of figures) {
    const mark = figure.met === undefined ? '' : figure.met ? '  met' : '  MISSED';
    const target = figure.target === '' ? '' : `   target ${figure.target}`;
    console.log(`  ${figure.name.padEnd(width)}  ${String(figure.value)}${target}${mark}`);
  }
}
