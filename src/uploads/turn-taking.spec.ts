import { TurnTaking } from './turn-taking';

describe('TurnTaking', () => {
  it('lets at most `perTurn` callers through in one turn of the event loop, the rest in later turns, in arrival order', async () => {
    const turns = new TurnTaking(2);
    const order: string[] = [];
    const callers = [0, 1, 2, 3, 4].map((i) => turns.turn().then(() => order.push(`caller ${i}`)));
    // A marker that runs once in every turn's check phase, after the batch queued before it.
    let marks = 0;
    const mark = () => {
      order.push(`turn ${++marks} ends`);
      if (marks < 3) setImmediate(mark);
    };
    setImmediate(mark);

    await Promise.all(callers);
    await new Promise((resolve) => setImmediate(resolve));

    expect(order).toEqual([
      'caller 0',
      'caller 1',
      'turn 1 ends',
      'caller 2',
      'caller 3',
      'turn 2 ends',
      'caller 4',
      'turn 3 ends',
    ]);
  });

  it('lets a caller through in the next turn when nobody waits, never in the current one', async () => {
    const turns = new TurnTaking(2);
    let through = false;
    const turn = turns.turn().then(() => (through = true));
    await Promise.resolve();
    expect(through).toBe(false);
    await turn;
    expect(through).toBe(true);
  });

  it('refuses a turn size that lets nobody through', () => {
    expect(() => new TurnTaking(0)).toThrow(RangeError);
    expect(() => new TurnTaking(1.5)).toThrow(RangeError);
  });
});
