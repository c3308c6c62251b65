import { ModuleConfigError, ScopeViolation } from '@scoped-mcp/core';

/**
 * The rooms an agent may name: each allowed room id, and each allowed alias resolved once at start. A name
 * is allowed when it is exactly one of `allowed_rooms` (an id, or an alias as written), or the id an
 * allowed alias resolved to — nothing else: no case folding, no alias the agent brings (a different alias
 * of an allowed room is refused, and never looked up).
 */
export class RoomAllowlist {
  private constructor(private readonly rooms: ReadonlyMap<string, string>) {}

  static async resolve(
    allowed: readonly string[],
    resolveAlias: (alias: string) => Promise<string>,
  ): Promise<RoomAllowlist> {
    const rooms = new Map<string, string>();
    for (const room of allowed) {
      if (room.startsWith('!')) {
        rooms.set(room, room);
        continue;
      }
      let id: string;
      try {
        id = await resolveAlias(room);
      } catch (error) {
        throw new ModuleConfigError(
          `allowed_rooms: alias '${room}' could not be resolved (${(error as Error).message})`,
        );
      }
      rooms.set(room, id);
      rooms.set(id, id);
    }
    return new RoomAllowlist(rooms);
  }

  /** The room id to send to, or the reference's ScopeViolation. */
  roomId(room: string): string {
    const id = this.rooms.get(room);
    if (id === undefined) throw new ScopeViolation(`Room '${room}' is not in the allowed_rooms list`);
    return id;
  }
}
