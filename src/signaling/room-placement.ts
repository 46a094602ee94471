// Several server nodes: each room lives on one node (its SFU room, members and agents), and a join that reaches
// another node is answered ROOM_ELSEWHERE with the owner's URL. src/scale/room-directory.ts keeps the record in
// Redis.

export interface RoomPlacement {
  /** Takes the room for this node unless another holds it: null when it is (now) here, else the owner's URL. */
  claim(room: string): Promise<string | null>;
  /** The room closed here: free its record. */
  release(room: string): void;
}
