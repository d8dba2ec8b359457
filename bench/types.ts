/** One measured figure, reported beside a baseline measured in the same run. */
export interface Row {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** true when a larger value is better (rates); false for latencies and sizes. */
  higherIsBetter?: boolean;
}

export type Bench = () => Promise<Row[]>;
