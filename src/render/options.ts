/** Decided by the CLI from flags, NO_COLOR and isTTY; renderers never read the terminal. */
export interface RenderOptions {
  /** Emit ANSI colours. */
  color: boolean;
  /** Terminal width in columns; tables and charts fit inside it. */
  width: number;
}

export const PLAIN_RENDER: RenderOptions = { color: false, width: 100 };
