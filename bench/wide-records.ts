import { createHash } from 'node:crypto';

/**
 * Records as wide as the real samples (../shared/samples/): an Okta System Log SSO event, a GitHub
 * audit-log stream entry and a CloudTrail record of an IAM Identity Center session, with every block
 * those logs carry (client, request, debugContext, …; userIdentity, tlsDetails, …). Deterministic: the
 * same arguments give the same record; `n` varies the ids, addresses and agents.
 */

/** A hex string of `len` digits from `seed` (stable, no randomness). */
function hex(seed: string, len: number): string {
  let out = '';
  for (let i = 0; out.length < len; i++) out += createHash('md5').update(`${seed}#${i}`).digest('hex');
  return out.slice(0, len);
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const CITIES = [
  { city: 'Amsterdam', state: 'North Holland', country: 'Netherlands', postalCode: '1012', geolocation: { lat: 52.3676, lon: 4.9041 } },
  { city: 'Ashburn', state: 'Virginia', country: 'United States', postalCode: '20149', geolocation: { lat: 39.0469, lon: -77.4903 } },
  { city: 'Berlin', state: 'Land Berlin', country: 'Germany', postalCode: '10115', geolocation: { lat: 52.52, lon: 13.405 } },
];
const AGENTS = [
  { rawUserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', os: 'Mac OS X', browser: 'CHROME' },
  { rawUserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0', os: 'Windows 10', browser: 'EDGE' },
  { rawUserAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0', os: 'Linux', browser: 'FIREFOX' },
];

const ip = (n: number) => `198.51.${(n >> 8) & 255}.${n & 255}`;

/** A `user.authentication.sso` success of `login` to app `appId`, as /api/v1/logs returns it. */
export function oktaSsoEvent(login: string, appId: string, appLabel: string, time: string, n: number): object {
  const where = CITIES[n % CITIES.length]!;
  const agent = AGENTS[n % AGENTS.length]!;
  const address = ip(n);
  const request = hex(`okta-req-${n}`, 27);
  const session = `102${hex(`okta-session-${login}`, 22)}`;
  const userId = `00u${hex(`okta-user-${login}`, 17)}`;
  return {
    actor: { id: userId, type: 'User', alternateId: login, displayName: login.split('@')[0], detailEntry: null },
    client: {
      userAgent: agent, zone: 'null', device: 'Computer', id: null, ipAddress: address,
      geographicalContext: where,
    },
    device: null,
    authenticationContext: {
      authenticationProvider: null, credentialProvider: null, credentialType: null, issuer: null,
      interface: null, authenticationStep: 0, rootSessionId: session, externalSessionId: session,
    },
    displayMessage: 'User single sign on to app',
    eventType: 'user.authentication.sso',
    outcome: { result: 'SUCCESS', reason: null },
    published: time,
    securityContext: { asNumber: 1136, asOrg: 'kpn b.v.', isp: 'kpn b.v.', domain: 'kpn.com', isProxy: false },
    severity: 'INFO',
    debugContext: {
      debugData: {
        requestId: request, dtHash: hex(`okta-dt-${n}`, 64), requestUri: `/app/${appLabel.toLowerCase().replace(/\W+/g, '')}/${appId}/sso/saml`,
        url: `/app/${appLabel.toLowerCase().replace(/\W+/g, '')}/${appId}/sso/saml?`, traceId: uuid(`okta-trace-${n}`),
        authnRequestId: `id${hex(`okta-authn-${n}`, 24)}`, signOnMode: 'SAML 2.0', initiationType: 'SP_INITIATED',
        behaviors: '{New Geo-Location=NEGATIVE, New Device=NEGATIVE, New IP=NEGATIVE, New State=NEGATIVE, New Country=NEGATIVE, Velocity=NEGATIVE, New City=NEGATIVE}',
        risk: '{level=LOW}', threatSuspected: 'false',
      },
    },
    legacyEventType: 'app.auth.sso',
    transaction: { type: 'WEB', id: request, detail: {} },
    uuid: uuid(`okta-uuid-${n}`),
    version: '0',
    request: { ipChain: [{ ip: address, geographicalContext: where, version: 'V4', source: null }] },
    target: [
      { id: appId, type: 'AppInstance', alternateId: appLabel, displayName: appLabel, detailEntry: { signOnModeType: 'SAML_2_0' } },
      { id: `0ua${hex(`okta-appuser-${login}-${appId}`, 17)}`, type: 'AppUser', alternateId: login, displayName: login.split('@')[0], detailEntry: null },
    ],
  };
}

const GITHUB_AGENTS = ['git/2.43.0', 'GitHub Desktop/3.3.6 (Macintosh)', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'];

/** One audit-log stream entry (the shape GitHub's streaming writes as JSON Lines): `action` by `actor` on `org/repo`. */
export function githubAuditEntry(actor: string, org: string, repo: string, action: string, time: string, n: number): object {
  const ms = Date.parse(time);
  const git = action.startsWith('git.');
  return {
    '@timestamp': ms,
    _document_id: hex(`gh-doc-${n}`, 22),
    action,
    actor,
    actor_id: 1000 + (n % 997),
    actor_ip: ip(n),
    actor_is_bot: false,
    actor_location: { country_code: ['NL', 'US', 'DE'][n % 3] },
    business: 'corp-example',
    business_id: 4242,
    created_at: ms,
    hashed_token: git ? undefined : `${hex(`gh-token-${actor}`, 43)}=`,
    operation_type: git ? 'access' : 'modify',
    org,
    org_id: 7100,
    programmatic_access_type: git ? 'OAuth access token' : undefined,
    repo: `${org}/${repo}`,
    repo_id: 90000 + (repo.length * 131) % 1000,
    repository: `${org}/${repo}`,
    repository_public: false,
    request_id: `${hex(`gh-req-${n}`, 4).toUpperCase()}:${hex(`gh-req2-${n}`, 6).toUpperCase()}:${hex(`gh-req3-${n}`, 7).toUpperCase()}`,
    token_id: git ? 5_000_000 + (n % 1000) : undefined,
    token_scopes: git ? 'repo,workflow' : undefined,
    transport_protocol: git ? 1 : undefined,
    transport_protocol_name: git ? 'http' : undefined,
    user_agent: GITHUB_AGENTS[n % GITHUB_AGENTS.length],
    visibility: 'private',
  };
}

/**
 * A CloudTrail record of an IAM Identity Center role session calling `eventSource`:`eventName`.
 * `principalArn` is the session's ARN, `arn:aws:sts::<acct>:assumed-role/AWSReservedSSO_<PermissionSet>_<hash>/<email>`
 * (ssoSessionArn builds one); the record's sessionIssuer, principalId and ids follow from it.
 */
export function cloudTrailRecord(principalArn: string, accountId: string, eventSource: string, eventName: string, time: string, n: number): object {
  const [, role = 'Role', session = 'session'] = principalArn.split('/');
  const roleId = `AROA${hex(`ct-role-${role}`, 17).toUpperCase()}`;
  const region = ['us-east-1', 'eu-west-1'][n % 2]!;
  const service = eventSource.split('.')[0]!;
  return {
    eventVersion: '1.10',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `${roleId}:${session}`,
      arn: principalArn,
      accountId,
      accessKeyId: `ASIA${hex(`ct-key-${session}-${n >> 6}`, 16).toUpperCase()}`,
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: roleId, arn: `arn:aws:iam::${accountId}:role/aws-reserved/sso.amazonaws.com/${region}/${role}`, accountId, userName: role },
        attributes: { creationDate: new Date(Date.parse(time) - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'), mfaAuthenticated: 'false' },
      },
    },
    eventTime: time.replace(/\.\d{3}Z$/, 'Z'),
    eventSource,
    eventName,
    awsRegion: region,
    sourceIPAddress: ip(n),
    userAgent: `aws-cli/2.15.${n % 40} md/awscrt#0.19.19 ua/2.0 os/macos#23.2.0 md/arch#arm64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe command/${service}.${eventName.toLowerCase()}`,
    requestParameters: { bucketName: `corp-data-${n % 7}`, key: `exports/2026/${n % 31}/part-${n}.parquet`, Host: `corp-data-${n % 7}.s3.${region}.amazonaws.com`, maxResults: 100 },
    responseElements: null,
    additionalEventData: { SignatureVersion: 'SigV4', CipherSuite: 'TLS_AES_128_GCM_SHA256', bytesTransferredIn: 0, AuthenticationMethod: 'AuthHeader', 'x-amz-id-2': hex(`ct-amz-${n}`, 60), bytesTransferredOut: 1024 + (n % 4096) },
    requestID: hex(`ct-req-${n}`, 16).toUpperCase(),
    eventID: uuid(`ct-event-${n}`),
    readOnly: /^(Get|List|Describe|Head|Query|Scan|Filter|Decrypt)/.test(eventName),
    resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::corp-data-${n % 7}/exports/2026/${n % 31}/part-${n}.parquet` }, { accountId, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::corp-data-${n % 7}` }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: accountId,
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `${service}.${region}.amazonaws.com` },
    sessionCredentialFromConsole: n % 5 === 0 ? 'true' : undefined,
  };
}

/** The ARN of an Identity Center session of `email` with permission set `permissionSet` in `accountId`. */
export function ssoSessionArn(accountId: string, permissionSet: string, email: string): string {
  return `arn:aws:sts::${accountId}:assumed-role/AWSReservedSSO_${permissionSet}_${hex(`ps-${permissionSet}-${accountId}`, 16)}/${email}`;
}
