import { readFileSync } from 'node:fs';
import {
  DuckDBInstance, LIST, VARCHAR, listValue, type DuckDBConnection, type DuckDBPreparedStatement, type DuckDBType, type DuckDBValue,
} from '@duckdb/node-api';

export type Params = Record<string, DuckDBValue | string[]>;
export type Row = Record<string, unknown>;

/**
 * The DuckDB engine for one run: in memory, UTC, spilling to a temp directory.
 * The lake (Parquet) is the source of truth; nothing here outlives the process.
 */
export class Db {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(opts: { threads?: number; memoryLimit?: string; tempDir?: string } = {}): Promise<Db> {
    const config: Record<string, string> = {};
    if (opts.threads) config['threads'] = String(opts.threads);
    if (opts.memoryLimit) config['memory_limit'] = opts.memoryLimit;
    if (opts.tempDir) config['temp_directory'] = opts.tempDir;
    const instance = await DuckDBInstance.create(':memory:', config);
    const conn = await instance.connect();
    // Every day boundary in lapse is UTC, whatever the machine's zone.
    await conn.run("SET TimeZone = 'UTC'");
    return new Db(instance, conn);
  }

  /**
   * Runs SQL; a script of several statements runs one statement at a time, each bound with just the
   * parameters it names. DuckDB's own parser splits the script, so a `;` or `--` inside a string literal,
   * a quoted identifier or a comment is what it is. Returns the rows the (last) statement changed or wrote.
   */
  async run(sql: string, params?: Params): Promise<number> {
    if (!params) return (await this.conn.run(sql)).rowsChanged;
    const script = await this.conn.extractStatements(sql);
    let changed = 0;
    // Each statement is prepared only once the ones before it ran: it may read a table they create.
    for (let i = 0; i < script.count; i++) {
      const statement = await script.prepare(i);
      try {
        const p = only(params, statement);
        statement.bind(bind(p), types(p));
        changed = (await statement.run()).rowsChanged;
      } finally {
        statement.destroySync();
      }
    }
    return changed;
  }

  /** Rows as plain JS values: BIGINT → number, DATE/TIMESTAMP → ISO string (cast days to VARCHAR in SQL). */
  async all<T extends object = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.conn.runAndReadAll(sql, params && bind(params), params && types(params));
    return reader.getRowObjectsJS().map((row) => plain(row) as T);
  }

  async one<T extends object = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /**
   * Creates (or replaces) a temp table from JS rows: `columns` maps each column to its DuckDB type.
   * Rows travel as one JSON parameter, so there is no SQL splicing and NULLs stay NULL.
   */
  async tableFromRows(table: string, columns: Record<string, string>, rows: object[]): Promise<void> {
    const structure = JSON.stringify([columns]);
    const cols = Object.keys(columns).map(sqlIdent).join(', ');
    await this.run(
      `CREATE OR REPLACE TEMP TABLE ${sqlIdent(table)} AS
       SELECT ${cols} FROM (SELECT unnest(from_json($rows, ${sqlString(structure)}), recursive := true))`,
      { rows: JSON.stringify(rows) },
    );
  }

  /** Drops a temp table or view, whichever `name` is (the daily path makes a view where replays make a table). */
  async drop(name: string): Promise<void> {
    const kind = await this.one<{ kind: string }>(
      `SELECT 'TABLE' AS kind FROM duckdb_tables() WHERE table_name = $name AND temporary
       UNION ALL SELECT 'VIEW' FROM duckdb_views() WHERE view_name = $name AND temporary`,
      { name },
    );
    if (kind) await this.run(`DROP ${kind.kind} ${sqlIdent(name)}`);
  }

  /** The engine's worker threads (scans that must run one per thread split their files by this). */
  async threads(): Promise<number> {
    return (await this.one<{ n: number }>("SELECT current_setting('threads')::INTEGER AS n"))?.n ?? 1;
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/** The parameters a prepared statement names (DuckDB refuses to bind others). */
function only(params: Params, statement: DuckDBPreparedStatement): Params {
  const names = new Set(Array.from({ length: statement.parameterCount }, (_, i) => statement.parameterName(i + 1)));
  return Object.fromEntries(Object.entries(params).filter(([k]) => names.has(k)));
}

/** Lists are VARCHAR[] (an empty list has no item type of its own). */
function types(params: Params): Record<string, DuckDBType | undefined> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? LIST(VARCHAR) : undefined]));
}

function bind(params: Params): Record<string, DuckDBValue> {
  const out: Record<string, DuckDBValue> = {};
  for (const [k, v] of Object.entries(params)) out[k] = Array.isArray(v) ? listValue(v) : v;
  return out;
}

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Loads a `.sql` file that sits beside the module (`sqlFile(import.meta.url, 'rollup.sql')`). */
export function sqlFile(moduleUrl: string, name: string): string {
  return readFileSync(new URL(name, moduleUrl), 'utf8');
}

/** Quotes a string as an SQL literal, for the rare place a parameter cannot go (COPY targets). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Quotes an identifier (a column name from a user's field mapping). */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
