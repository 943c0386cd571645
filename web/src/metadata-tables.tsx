import type { ReactNode } from 'react';
import { formatBytes, formatNumber, humanKey } from './format';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Any kind's `metadata.json` as tables a person can read: a section per top-level entry; an
 * object as a two-column table (nested objects flattened one level), a list of objects as a
 * table with a column per field (materials, textures, animations, a Substance graph's inputs…).
 * Generic on purpose: every asset kind writes its own shape, and new kinds keep arriving.
 */
export function MetadataTables(props: { metadata: Record<string, unknown> }) {
  const entries = Object.entries(props.metadata as Record<string, Json>);
  const simple = entries.filter(([, value]) => !isStructured(value));
  const sections = entries.filter(([, value]) => isStructured(value));
  return (
    <div className="metadata" data-testid="metadata">
      {simple.length > 0 && <Section title="Summary" value={Object.fromEntries(simple)} />}
      {sections.map(([key, value]) => (
        <Section key={key} title={humanKey(key)} value={value} />
      ))}
    </div>
  );
}

function Section(props: { title: string; value: Json }) {
  return (
    <section>
      <h3>{props.title}</h3>
      <Block value={props.value} />
    </section>
  );
}

function Block(props: { value: Json; depth?: number }): ReactNode {
  const { value } = props;
  const depth = props.depth ?? 0;
  if (Array.isArray(value)) {
    if (value.length === 0) return <p className="muted">None</p>;
    if (value.every(isPlainObject)) return <RowsTable rows={value} />;
    return <p>{value.map((item) => cell('', item)).join(', ')}</p>;
  }
  if (isPlainObject(value)) {
    const rows = Object.entries(value);
    if (rows.length === 0) return <p className="muted">None</p>;
    return (
      <table className="kv">
        <tbody>
          {rows.map(([key, item]) =>
            isStructured(item) && depth < 1 && !isShortList(item) ? (
              <tr key={key}>
                <th>{humanKey(key)}</th>
                <td>
                  <Block value={item} depth={depth + 1} />
                </td>
              </tr>
            ) : (
              <tr key={key}>
                <th>{humanKey(key)}</th>
                <td>{cell(key, item)}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    );
  }
  return <p>{cell('', value)}</p>;
}

function RowsTable(props: { rows: Record<string, Json>[] }) {
  const columns = [...new Set(props.rows.flatMap((row) => Object.keys(row)))];
  return (
    <div className="table-scroll">
      <table className="rows">
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column}>{humanKey(column)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row, index) => (
            <tr key={index}>
              {columns.map((column) => (
                <td key={column}>{column in row ? cell(column, row[column] ?? null) : ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One value in a cell: sizes in bytes as such, vectors in brackets, nested objects as `key: value`. */
function cell(key: string, value: Json): string {
  if (value === null) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') {
    return /bytes/i.test(key) && Number.isInteger(value) ? formatBytes(value) : formatNumber(value);
  }
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    if (value.every((item) => typeof item === 'number')) {
      return `[${value.map((item) => formatNumber(item)).join(', ')}]`;
    }
    return value.map((item) => cell(key, item)).join(', ');
  }
  return Object.entries(value)
    .map(([inner, item]) => `${humanKey(inner)}: ${cell(inner, item)}`)
    .join('; ');
}

function isPlainObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStructured(value: Json): boolean {
  return Array.isArray(value) ? !isShortList(value) : isPlainObject(value);
}

/** A vector or a few words: shown inline. */
function isShortList(value: Json): boolean {
  return (
    Array.isArray(value) &&
    value.length <= 8 &&
    value.every((item) => !isPlainObject(item) && !Array.isArray(item))
  );
}
