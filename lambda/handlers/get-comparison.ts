// Entry point under construction in this session; see the issue notes.
export const handler = async (): Promise<never> => {
  throw new Error('not implemented yet');
};
