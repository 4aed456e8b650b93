// The one error config loading throws: every problem found, each naming a key or line and the fix.
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}
