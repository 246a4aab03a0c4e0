/** Emulators accept any credentials; local mode never reads the user's real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export const LOCAL_ACCOUNT_ID = '000000000000';
