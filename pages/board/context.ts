// The signed-in board, for the components under it: its store, its actions and its panels'
// data. Components read the signals they show from it, so each re-renders on its own.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Board } from './board.js';

export const BoardContext = createContext<Board | null>(null);

export function useBoard(): Board {
  const board = useContext(BoardContext);
  if (!board) throw new Error('board: a board component was rendered outside a signed-in board');
  return board;
}
