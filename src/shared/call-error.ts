/** The error a transport of the contract throws for a failed call (same on IPC and HTTP). */
export class TakoCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'TakoCallError'
  }
}
