import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqlLiteral } from '../../../lambda/adapters/athena-analysis';
import { OUTCOME_COLUMNS, RECORD_COLUMNS } from '../../../lambda/core/evidence/log-schema';
import type { SqlStatement } from '../../../lambda/core/evidence/sql/experiment-aggregates.sql';

/**
 * The shared SQL must also run on Athena (engine 3, Trino), which no test here can reach. This
 * is the offline half of that promise: every statement the query builders produce keeps to the
 * subset Trino and DuckDB share (DuckDB runs them in the other tests), so what remains for an
 * AWS account is behaviour, not syntax. Checks, per statement:
 * - one statement (StartQueryExecution takes one), under Athena's 262,144-byte query limit;
 * - one `?` per parameter, each a string or a finite number (ExecutionParameters are literals);
 * - only functions both engines have with the same meaning, only the shared CAST types;
 * - no DuckDB-only syntax (`::`, `//`, QUALIFY, GROUP BY ALL, EXCLUDE, ILIKE, table functions)
 *   and no quoted identifiers (Trino folds names to lower case, Athena returns them so);
 * - output names and CTE names lower-case snake_case and not reserved words in Trino;
 * - relations read are `records`, `outcomes` (the Glue tables) or the statement's own CTEs;
 * - camelCase names refer to columns of the log (Glue lower-cases them; both engines match
 *   names case-insensitively).
 */

const SQL_DIR = join(__dirname, '../../../lambda/core/evidence/sql');
const DOC = join(__dirname, '../../../docs/evidence-log.md');

/** The backticked terms of the documented shared subset (docs/evidence-log.md), lower-cased. */
function documentedSubset(): Set<string> {
  const text = readFileSync(DOC, 'utf8');
  const start = text.indexOf('### The shared subset');
  if (start < 0) throw new Error('docs/evidence-log.md has no "### The shared subset" section');
  const end = text.indexOf('\n## ', start);
  const section = text.slice(start, end < 0 ? undefined : end);
  const terms = new Set<string>();
  for (const m of section.matchAll(/`([^`]+)`/g)) {
    for (const word of (m[1] ?? '').toLowerCase().match(/[a-z_]+/g) ?? []) terms.add(word);
  }
  return terms;
}

/** Functions in both Trino 4xx (Athena engine 3) and DuckDB 1.x with the same semantics for our use. */
const SHARED_FUNCTIONS = new Set([
  'abs',
  'arbitrary',
  'avg',
  'cast',
  'ceil',
  'coalesce',
  'count',
  'exp',
  'floor',
  'greatest',
  'least',
  'ln',
  'max',
  'max_by',
  'min',
  'min_by',
  'nullif',
  'power',
  'round',
  'sqrt',
  'sum',
]);

/** Words followed by `(` that are syntax, not functions. */
const SYNTAX_BEFORE_PAREN = new Set([
  'as',
  'in',
  'sets',
  'and',
  'or',
  'not',
  'exists',
  'from',
  'join',
  'on',
  'values',
  'over',
  'then',
  'else',
  'when',
  'select',
  'by',
  'with',
]);

const SHARED_CAST_TYPES = new Set(['varchar', 'bigint', 'double', 'integer', 'boolean']);

/** Trino's reserved keywords (docs: Language → Reserved keywords): never a bare alias. */
const TRINO_RESERVED = new Set(
  `ALTER AND AS BETWEEN BY CASE CAST CONSTRAINT CREATE CROSS CUBE CURRENT_CATALOG CURRENT_DATE
  CURRENT_PATH CURRENT_ROLE CURRENT_SCHEMA CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DEALLOCATE
  DELETE DESCRIBE DISTINCT DROP ELSE END ESCAPE EXCEPT EXECUTE EXISTS EXTRACT FALSE FOR FROM FULL
  GROUP GROUPING HAVING IN INNER INSERT INTERSECT INTO IS JOIN JSON_ARRAY JSON_EXISTS JSON_OBJECT
  JSON_QUERY JSON_TABLE JSON_VALUE LEFT LIKE LISTAGG LOCALTIME LOCALTIMESTAMP NATURAL NORMALIZE NOT
  NULL ON OR ORDER OUTER PREPARE RECURSIVE RIGHT ROLLUP SELECT SKIP TABLE THEN TRIM TRUE UESCAPE
  UNION UNNEST USING VALUES WHEN WHERE WITH`
    .split(/\s+/)
    .map((word) => word.toLowerCase()),
);

const DUCKDB_ONLY: readonly [RegExp, string][] = [
  [/::/, 'the :: cast (use CAST)'],
  [/\/\//, 'integer division // (Trino divides integers with /)'],
  [/\bqualify\b/i, 'QUALIFY'],
  [/\bgroup\s+by\s+all\b/i, 'GROUP BY ALL'],
  [/\border\s+by\s+all\b/i, 'ORDER BY ALL'],
  [/\bexclude\s*\(/i, 'SELECT * EXCLUDE'],
  [/\breplace\s*\(\s*\w+\s+as\b/i, 'SELECT * REPLACE'],
  [/\bilike\b/i, 'ILIKE'],
  [/\busing\s+sample\b/i, 'USING SAMPLE'],
  [/\bread_(json|parquet|csv)\w*\s*\(/i, 'a DuckDB table function'],
  [/\b(list|struct|map)_\w+\s*\(/i, 'a DuckDB nested-type function'],
  [/\b(strftime|strptime|epoch_ms|date_trunc|to_timestamp)\s*\(/i, 'an engine-specific date function'],
  [/\bfilter\s*\(\s*where\b/i, 'FILTER (WHERE …) (outside the documented subset)'],
  [/\bmaterialized\b/i, 'MATERIALIZED'],
  [/"/, 'a quoted identifier'],
  [/`/, 'a backtick identifier'],
  [/;/, 'more than one statement'],
];

/** Text without string literals and comments, so their content never looks like SQL. */
function code(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''");
}

function cteNames(sql: string): string[] {
  return [...code(sql).matchAll(/(?:\bwith\s+|,\s*)([a-z_][a-z0-9_]*)\s+as\s*\(/gi)].map((m) =>
    (m[1] ?? '').toLowerCase(),
  );
}

const LOG_COLUMNS = new Set(
  [...Object.keys(RECORD_COLUMNS), ...Object.keys(OUTCOME_COLUMNS), 'dt'].map((name) => name.toLowerCase()),
);

/** Every statement the SQL folder's query builders produce, for a typical and an edge slice. */
async function statements(): Promise<{ name: string; statement: SqlStatement }[]> {
  const slices = [
    {
      experiment: 'v12',
      production: 'churn-v1',
      candidate: 'churn-v2',
      sinceMs: Date.UTC(2026, 10, 1),
      untilMs: Date.UTC(2026, 10, 30, 12),
      bucketMinutes: 60,
    },
    {
      // Whole days left out (local mode's partials keep them): the filter stays in the subset.
      experiment: 'v12',
      production: 'churn-v1',
      candidate: 'churn-v2',
      sinceMs: Date.UTC(2026, 10, 1, 12),
      untilMs: Date.UTC(2026, 10, 30, 12),
      bucketMinutes: 60,
      excludeMs: [Date.UTC(2026, 10, 2), Date.UTC(2026, 10, 30)] as const,
    },
    {
      experiment: "it's-v1",
      production: 'a',
      candidate: 'b',
      sinceMs: Date.UTC(2026, 0, 1),
      untilMs: Date.UTC(2026, 0, 1, 0, 1),
      bucketMinutes: 1,
    },
  ];
  const found: { name: string; statement: SqlStatement }[] = [];
  for (const file of readdirSync(SQL_DIR).filter((f) => f.endsWith('.sql.ts'))) {
    const module = (await import(join(SQL_DIR, file))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if (typeof value !== 'function' || !name.endsWith('Query')) continue;
      for (const [i, slice] of slices.entries()) {
        found.push({
          name: `${file}:${name}#${i}`,
          statement: (value as (s: typeof slice) => SqlStatement)(slice),
        });
      }
    }
  }
  return found;
}

let all: { name: string; statement: SqlStatement }[] = [];
beforeAll(async () => {
  all = await statements();
});

describe('the shared SQL on Athena (engine 3, Trino)', () => {
  it('finds the query builders', () => {
    expect(all.length).toBeGreaterThanOrEqual(4);
  });

  it('is one statement per query, within Athena’s query size, one ? per parameter of a literal type', () => {
    for (const { name, statement } of all) {
      expect({ name, bytes: Buffer.byteLength(statement.sql) < 262_144 }).toEqual({ name, bytes: true });
      const placeholders = (code(statement.sql).match(/\?/g) ?? []).length;
      expect({ name, placeholders }).toEqual({ name, placeholders: statement.parameters.length });
      for (const parameter of statement.parameters) {
        expect(typeof parameter === 'string' || Number.isFinite(parameter)).toBe(true);
        // What the Athena adapter sends must be a single literal.
        expect(sqlLiteral(parameter)).toMatch(/^('(?:[^']|'')*'|-?\d+(\.\d+)?(e[+-]?\d+)?)$/i);
      }
    }
  });

  it('uses no syntax only DuckDB knows and no quoted identifiers', () => {
    for (const { name, statement } of all) {
      const found = DUCKDB_ONLY.filter(([pattern]) => pattern.test(code(statement.sql))).map(
        ([, what]) => what,
      );
      expect({ name, found }).toEqual({ name, found: [] });
    }
  });

  it('calls only functions both engines share, and casts only to shared types', () => {
    for (const { name, statement } of all) {
      const text = code(statement.sql);
      const ctes = new Set(cteNames(statement.sql));
      const called = [...text.matchAll(/\b([a-z_][a-z0-9_]*)\s*\(/gi)]
        .map((m) => (m[1] ?? '').toLowerCase())
        .filter((word) => !SYNTAX_BEFORE_PAREN.has(word) && !ctes.has(word));
      const unknown = [...new Set(called)].filter((fn) => !SHARED_FUNCTIONS.has(fn));
      expect({ name, unknown }).toEqual({ name, unknown: [] });
      const castTypes = [...text.matchAll(/\bcast\s*\([^()]*?\bas\s+([a-z]+)\s*\)/gi)].map((m) =>
        (m[1] ?? '').toLowerCase(),
      );
      const otherTypes = castTypes.filter((type) => !SHARED_CAST_TYPES.has(type));
      expect({ name, otherTypes }).toEqual({ name, otherTypes: [] });
    }
  });

  it('uses only functions and CAST types the documented shared subset names (docs/evidence-log.md)', () => {
    const documented = documentedSubset();
    for (const { name, statement } of all) {
      const text = code(statement.sql);
      const ctes = new Set(cteNames(statement.sql));
      const called = [...text.matchAll(/\b([a-z_][a-z0-9_]*)\s*\(/gi)]
        .map((m) => (m[1] ?? '').toLowerCase())
        .filter((word) => !SYNTAX_BEFORE_PAREN.has(word) && !ctes.has(word));
      const castTypes = [...text.matchAll(/\bcast\s*\([^()]*?\bas\s+([a-z]+)\s*\)/gi)].map((m) =>
        (m[1] ?? '').toLowerCase(),
      );
      const undocumented = [...new Set([...called, ...castTypes])].filter((term) => !documented.has(term));
      expect({ name, undocumented }).toEqual({ name, undocumented: [] });
    }
  });

  it('names outputs and CTEs in lower-case snake_case, none a Trino reserved word', () => {
    for (const { name, statement } of all) {
      const text = code(statement.sql);
      const aliases = [...text.matchAll(/\bas\s+([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*\()/gi)]
        .map((m) => m[1] ?? '')
        .filter((alias) => !SHARED_CAST_TYPES.has(alias.toLowerCase()));
      const names = [...aliases, ...cteNames(statement.sql)];
      const bad = names.filter((n) => !/^[a-z][a-z0-9_]*$/.test(n) || TRINO_RESERVED.has(n));
      expect({ name, bad: [...new Set(bad)] }).toEqual({ name, bad: [] });
    }
  });

  it('reads only the Glue tables records and outcomes, or its own CTEs', () => {
    for (const { name, statement } of all) {
      const ctes = new Set(cteNames(statement.sql));
      const read = [...code(statement.sql).matchAll(/\b(?:from|join)\s+([a-z_][a-z0-9_]*)/gi)].map((m) =>
        (m[1] ?? '').toLowerCase(),
      );
      const foreign = read.filter(
        (relation) => !ctes.has(relation) && relation !== 'records' && relation !== 'outcomes',
      );
      expect({ name, foreign }).toEqual({ name, foreign: [] });
      expect(read).toEqual(expect.arrayContaining(['records']));
    }
  });

  it('refers in camelCase only to log columns (the Glue tables have them lower-cased)', () => {
    for (const { name, statement } of all) {
      const camel = [...code(statement.sql).matchAll(/\b([a-z]+[A-Z][A-Za-z0-9]*)\b/g)].map(
        (m) => m[1] ?? '',
      );
      const unknown = [...new Set(camel)].filter((word) => !LOG_COLUMNS.has(word.toLowerCase()));
      expect({ name, unknown }).toEqual({ name, unknown: [] });
    }
  });

  it('filters the records relation by its dt partition, so Athena prunes by partition projection', () => {
    for (const { name, statement } of all) {
      expect({ name, pruned: /\bdt\s+between\s+\?\s+and\s+\?/i.test(code(statement.sql)) }).toEqual({
        name,
        pruned: true,
      });
    }
  });
});

describe('the checks themselves', () => {
  // A check that cannot fail is no check: each rule catches a known Trino incompatibility.
  const probe = (sql: string) =>
    DUCKDB_ONLY.filter(([pattern]) => pattern.test(code(sql))).map(([, what]) => what);

  it('catch DuckDB-only syntax and ignore string contents', () => {
    expect(probe('SELECT x::BIGINT FROM records')).toEqual(['the :: cast (use CAST)']);
    expect(probe('SELECT * FROM records QUALIFY row_number() OVER () = 1')).toEqual(['QUALIFY']);
    expect(probe('SELECT a FROM records GROUP BY ALL')).toEqual(['GROUP BY ALL']);
    expect(probe('SELECT "requestId" FROM records')).toEqual(['a quoted identifier']);
    expect(probe('SELECT \'a::b; "c"\' AS x FROM records')).toEqual([]);
  });

  it('find CTE names to tell them from functions and tables', () => {
    expect(cteNames('WITH a AS (SELECT 1), b_2 AS (SELECT 2) SELECT * FROM a JOIN b_2 ON true')).toEqual([
      'a',
      'b_2',
    ]);
  });
});
