/** Runs `fn`, expects it to throw an instance of `cls`, and returns the message. Fails when nothing is thrown. */
import { expect } from "chai";

// biome-ignore lint/suspicious/noExplicitAny: any Error subclass constructor
export function thrownMessage(fn: () => unknown, cls: new (...args: any[]) => Error): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(cls);
    return (err as Error).message;
  }
  throw new Error(`expected ${cls.name} to be thrown`);
}
