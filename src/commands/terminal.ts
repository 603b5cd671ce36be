/** Whether a stream is an interactive terminal (progress bars, human summaries); captured test streams are not. */
export function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as Partial<NodeJS.WriteStream>).isTTY === true;
}
