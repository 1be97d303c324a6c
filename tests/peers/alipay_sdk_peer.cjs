// Answers one question with Alipay's official Node SDK (npm alipay-sdk 4.x), read as JSON on
// stdin, the answer as JSON on stdout. ALIPAY_SDK_DIR is where install-npm.sh put it.
//   {"op": "sn", "cert": path}            -> {"sn": getSN of the certificate}
//   {"op": "root_sn", "cert": path}       -> {"sn": getSN of the root file}
//   {"op": "verify_link", "link": url, "app_cert": path, "root_cert": path,
//    "private_key": pem, "aes_key": base64}
//     -> the SDK's own SNs for those files, whether the link's signature verifies with the key
//        the SDK reads from the app certificate, and the link's biz_content decrypted.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const sdkDir = path.resolve(process.env.ALIPAY_SDK_DIR, 'node_modules', 'alipay-sdk');
const { AlipaySdk } = require(sdkDir);
const certUtil = require(path.join(sdkDir, 'dist', 'commonjs', 'antcertutil.js'));

const request = JSON.parse(fs.readFileSync(0, 'utf8'));
let answer;
switch (request.op) {
  case 'sn':
    answer = { sn: certUtil.getSNFromPath(request.cert, false) };
    break;
  case 'root_sn':
    answer = { sn: certUtil.getSNFromPath(request.cert, true) };
    break;
  case 'verify_link': {
    const url = new URL(request.link);
    const params = Object.fromEntries(url.searchParams.entries());
    // An SDK whose "Alipay" certificate is the app's: it then verifies what the app signed.
    const sdk = new AlipaySdk({
      appId: params.app_id,
      privateKey: request.private_key,
      keyType: 'PKCS8',
      appCertPath: request.app_cert,
      alipayPublicCertPath: request.app_cert,
      alipayRootCertPath: request.root_cert,
      encryptKey: request.aes_key,
    });
    answer = {
      verified: sdk.checkNotifySignV2(params),
      app_cert_sn: sdk.config.appCertSn,
      alipay_root_cert_sn: sdk.config.alipayRootCertSn,
      params,
      biz: params.encrypt_type === 'AES' ? sdk.aesDecrypt(params.biz_content) : null,
    };
    break;
  }
  default:
    throw new Error(`unknown op ${request.op}`);
}
process.stdout.write(JSON.stringify(answer));
