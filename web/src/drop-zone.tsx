import { type DragEvent, useRef, useState } from 'react';
import { droppedFiles } from './dropped-files';

/**
 * Where files are dropped (one, many, or a folder: a model with its textures) or chosen. All the
 * files of one drop go in one upload, so the server can group a model with the files it names.
 */
export function DropZone(props: { onFiles: (files: File[]) => void }) {
  const [over, setOver] = useState(false);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    void droppedFiles(event.dataTransfer).then(props.onFiles);
  };
  const chosen = (input: HTMLInputElement | null) => {
    const files = Array.from(input?.files ?? []);
    if (input) input.value = '';
    props.onFiles(files.filter((file) => !file.name.startsWith('.')));
  };

  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      data-testid="dropzone"
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>
        <strong>Drop files or a folder here</strong> — 3D models with their textures, images,
        texture sets (.zip), Substance files (.sbsar).
      </p>
      <p>
        <button type="button" onClick={() => filesInput.current?.click()}>
          Choose files
        </button>{' '}
        <button type="button" className="quiet" onClick={() => folderInput.current?.click()}>
          Choose a folder
        </button>
      </p>
      <input
        ref={filesInput}
        type="file"
        multiple
        hidden
        data-testid="file-input"
        onChange={(event) => chosen(event.currentTarget)}
      />
      <input
        ref={folderInput}
        type="file"
        hidden
        // Not in React's types: the folder picker every current browser has.
        {...{ webkitdirectory: '' }}
        onChange={(event) => chosen(event.currentTarget)}
      />
    </div>
  );
}
