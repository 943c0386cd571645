import { useEffect, useState } from 'react';

/**
 * The page shown, from the URL's hash (`#/assets/<id>`): the API answers every path whose first
 * segment is one of its routes (`/assets` among them), so the dashboard's pages live in the hash.
 */
export type Route = { page: 'board' } | { page: 'asset'; assetId: string };

export function parseRoute(hash: string): Route {
  const match = /^#\/assets\/([^/?#]+)/.exec(hash);
  return match?.[1] ? { page: 'asset', assetId: decodeURIComponent(match[1]) } : { page: 'board' };
}

export function assetHref(assetId: string): string {
  return `#/assets/${encodeURIComponent(assetId)}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
