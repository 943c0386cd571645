/** Who is calling: read from a verified token whose session still exists. */
export interface AuthPrincipal {
  userId: string;
  sessionId: string;
  username: string;
}
