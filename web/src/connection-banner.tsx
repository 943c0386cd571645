import type { BoardState } from './board-store';
import { useEffect, useState } from 'react';

/**
 * Says when the live connection is down: the page keeps what it shows, the SDK reconnects by
 * itself, and the board catches up (replay, then a reload) as soon as the server answers again.
 */
export function ConnectionBanner(props: { status: BoardState['status']; unreachable: boolean }) {
  // A first connection takes a moment: say nothing about it unless it takes long.
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setSlow(true), 3000);
    return () => clearTimeout(timer);
  }, []);
  const offline =
    props.status === 'offline' || props.unreachable || (props.status === 'connecting' && slow);
  if (!offline) {
    return (
      <span className="connection online" data-testid="connection" data-status="online">
        Live
      </span>
    );
  }
  return (
    <span
      className="connection offline"
      data-testid="connection"
      data-status="offline"
      role="status"
    >
      Offline: reconnecting… What happens meanwhile shows up when Kiln is back.
    </span>
  );
}
