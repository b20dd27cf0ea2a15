// The sandbox runtimes a run can ask for (see docs/security.md, 'gVisor'): `runc`, Docker's own, or
// `gvisor`, gVisor's `runsc`, which puts a user-space kernel between the script and the host's.

export const RUNTIME_CHOICES = ['runc', 'gvisor'] as const
export type RuntimeChoice = (typeof RUNTIME_CHOICES)[number]

export function isRuntimeChoice(value: unknown): value is RuntimeChoice {
  return RUNTIME_CHOICES.includes(value as RuntimeChoice)
}
