/**
 * Options objects: documented defaults spread under the caller's values, where an explicit
 * `undefined` means "use the default" (as it does for a missing key).
 */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): D & O {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...defaults, ...given } as D & O;
}
