// The handlers of the todos API's actions (examples/todos/README.md), by operationId: the one file
// an action API needs besides its spec. Copied to src/apis/todos/handlers.ts. Requests arrive
// validated against the spec and typed from it; what a handler returns is checked against the
// reply message before it is sent. `archive` has no handler: the spec forwards it to a back-end.
import type { ActionHandlers, PublishData } from '../../../generated/todos/catalogue';
import type { Todo } from '../../../generated/todos/models';
import { ActionError, type ActionContext } from '../spec-actions';

// Kept in memory for the example; a real API keeps its lists in its own store.
const lists = new Map<string, Todo[]>();
let next = 1;

export const handlers: ActionHandlers<ActionContext<PublishData>> = {
  async add(request, context) {
    const items = lists.get(context.audience) ?? [];
    if (items.length >= 100) throw new ActionError(409, 'The list is full (100 items)');
    const item: Todo = { id: `t-${next++}`, text: request.text, by: context.user.sub, done: false };
    lists.set(context.audience, [...items, item]);
    // Every socket of the list hears it (on every node), before this reply reaches the caller.
    await context.publish('added', item);
    return { item };
  },

  list(_request, context) {
    return { items: lists.get(context.audience) ?? [] };
  },
};
