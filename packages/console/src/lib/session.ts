/**
 * The credential the console signs in with: an API key or a JWT, kept in sessionStorage only (gone
 * when the tab closes, never shared with other tabs, never in localStorage or a cookie).
 */
const KEY = 'credits.console.token';

export const readToken = (): string | null => sessionStorage.getItem(KEY);
export const saveToken = (token: string): void => sessionStorage.setItem(KEY, token);
export const clearToken = (): void => sessionStorage.removeItem(KEY);
