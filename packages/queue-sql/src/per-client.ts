/**
 * One value per database client and name (a table, a channel), shared by every queue handle on that client: what a
 * process keeps about a table (its notifier, its statistics and vacuum keepers) must exist once, however many
 * handles there are. Weakly held: a client nobody uses any more takes its values with it.
 */
export class PerClient<T> {
  private readonly byClient = new WeakMap<object, Map<string, T>>();

  get(client: object, name: string, create: () => T): T {
    let byName = this.byClient.get(client);
    if (!byName) {
      byName = new Map();
      this.byClient.set(client, byName);
    }
    let value = byName.get(name);
    if (value === undefined) {
      value = create();
      byName.set(name, value);
    }
    return value;
  }
}
