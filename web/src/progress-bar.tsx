/** A labelled bar, 0–100; `value` in `aria-valuenow` so tests and screen readers read it. */
export function ProgressBar(props: {
  value: number;
  label: string;
  tone?: 'upload' | 'task' | 'failed';
}) {
  const value = Math.round(Math.min(Math.max(props.value, 0), 100));
  return (
    <div className={`progress ${props.tone ?? 'task'}`}>
      <div
        className="track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
        aria-label={props.label}
      >
        <div className="fill" style={{ width: `${value}%` }} />
      </div>
      <span className="progress-label">
        {props.label} · {value}%
      </span>
    </div>
  );
}
