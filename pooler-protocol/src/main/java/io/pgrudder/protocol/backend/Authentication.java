package io.pgrudder.protocol.backend;

import io.netty.buffer.ByteBuf;
import io.pgrudder.protocol.BackendMessage;
import io.pgrudder.protocol.Frames;
import io.pgrudder.protocol.PgException;

/** The Authentication* messages ('R'), told apart by the int32 code that starts the body. */
public sealed interface Authentication extends BackendMessage
        permits AuthenticationOk, AuthenticationKerberosV5, AuthenticationCleartextPassword,
        AuthenticationMD5Password, AuthenticationSCMCredential, AuthenticationGSS, AuthenticationGSSContinue,
        AuthenticationSSPI, AuthenticationSASL, AuthenticationSASLContinue, AuthenticationSASLFinal {

    int OK = 0;
    int KERBEROS_V5 = 2;
    int CLEARTEXT_PASSWORD = 3;
    int MD5_PASSWORD = 5;
    int SCM_CREDENTIAL = 6;
    int GSS = 7;
    int GSS_CONTINUE = 8;
    int SSPI = 9;
    int SASL = 10;
    int SASL_CONTINUE = 11;
    int SASL_FINAL = 12;

    /** Decodes an 'R' body (starting with the code). */
    static Authentication decode(ByteBuf body) {
        Frames.need(body, 4);
        int code = body.getInt(body.readerIndex());
        switch (code) {
            case OK: return AuthenticationOk.decode(body);
            case KERBEROS_V5: return AuthenticationKerberosV5.decode(body);
            case CLEARTEXT_PASSWORD: return AuthenticationCleartextPassword.decode(body);
            case MD5_PASSWORD: return AuthenticationMD5Password.decode(body);
            case SCM_CREDENTIAL: return AuthenticationSCMCredential.decode(body);
            case GSS: return AuthenticationGSS.decode(body);
            case GSS_CONTINUE: return AuthenticationGSSContinue.decode(body);
            case SSPI: return AuthenticationSSPI.decode(body);
            case SASL: return AuthenticationSASL.decode(body);
            case SASL_CONTINUE: return AuthenticationSASLContinue.decode(body);
            case SASL_FINAL: return AuthenticationSASLFinal.decode(body);
            default:
                throw PgException.protocolViolation("unsupported authentication request code " + code);
        }
    }

    /** Reads the code and checks it is the one expected. */
    static void readCode(ByteBuf body, int expected, String messageName) {
        int code = Frames.readInt32(body);
        if (code != expected) {
            throw PgException.protocolViolation("authentication code " + code + " is not " + messageName);
        }
    }
}
