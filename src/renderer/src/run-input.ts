// How a run started in the app gets its standard input (see docs/run-contract.md).

/** `runs:start`'s standard-input fields (see docs/run-contract.md). */
export interface StdinArgs {
  stdin?: string
  interactive: boolean
}

/** Input lines → `stdin` (each line ends with a newline, as typed at a terminal); none → interactive. */
export function stdinArgs(lines: string): StdinArgs {
  if (lines === '') return { interactive: true }
  return { stdin: lines.endsWith('\n') ? lines : `${lines}\n`, interactive: false }
}
