import type { AssetOutput } from '@kiln/client';
import { type PointerEvent, useState } from 'react';
import { formatBytes } from './format';

/**
 * The asset's 2D outputs (an image's preview, a texture set's maps, thumbnails): pick one, see
 * it on a checkerboard (alpha shows), zoom with the wheel, drag to pan, its pixel size read.
 */
export function MapViewer(props: { maps: AssetOutput[]; resolve: (url: string) => string }) {
  const [selected, setSelected] = useState(props.maps[0]?.name);
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const [drag, setDrag] = useState<{ x: number; y: number }>();
  const [size, setSize] = useState<string>();
  const map = props.maps.find((candidate) => candidate.name === selected) ?? props.maps[0];
  if (!map) return null;

  const choose = (name: string) => {
    setSelected(name);
    setZoom(1);
    setPan({ x: 0, y: 0 });
    setSize(undefined);
  };
  const onMove = (event: PointerEvent) => {
    if (!drag) return;
    setPan({ x: pan.x + event.clientX - drag.x, y: pan.y + event.clientY - drag.y });
    setDrag({ x: event.clientX, y: event.clientY });
  };

  return (
    <div className="maps" data-testid="map-viewer">
      <ul className="map-list">
        {props.maps.map((candidate) => (
          <li key={candidate.name}>
            <button
              type="button"
              className={candidate.name === map.name ? 'chosen' : 'quiet'}
              onClick={() => choose(candidate.name)}
            >
              <img src={props.resolve(candidate.signedUrl)} alt="" />
              {candidate.name}
            </button>
          </li>
        ))}
      </ul>
      <div
        className="map-stage checkerboard"
        onWheel={(event) =>
          setZoom(Math.min(Math.max(zoom * (event.deltaY < 0 ? 1.2 : 1 / 1.2), 0.1), 32))
        }
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId);
          setDrag({ x: event.clientX, y: event.clientY });
        }}
        onPointerMove={onMove}
        onPointerUp={() => setDrag(undefined)}
        onDoubleClick={() => {
          setZoom(1);
          setPan({ x: 0, y: 0 });
        }}
      >
        <img
          src={props.resolve(map.signedUrl)}
          alt={map.name}
          draggable={false}
          style={{ transform: `translate(${pan.x}px, ${pan.y}px) scale(${zoom})` }}
          onLoad={(event) =>
            setSize(`${event.currentTarget.naturalWidth} × ${event.currentTarget.naturalHeight} px`)
          }
        />
      </div>
      <p className="muted">
        {map.name} · {size ?? '…'} · {formatBytes(map.bytes)} · {Math.round(zoom * 100)} % (wheel to
        zoom, drag to pan, double-click to reset)
      </p>
    </div>
  );
}
