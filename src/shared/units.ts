/** Binary size units, used wherever a byte count is built or shown. */
export const KiB = 1024
export const MiB = 1024 * KiB
