/** Strict-Transport-Security for responses served over HTTPS: two years, subdomains included. */
export const HSTS = "max-age=63072000; includeSubDomains";
