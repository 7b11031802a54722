using Renci.SshNet;
using Renci.SshNet.Security;

namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>
/// Keys held by a running ssh-agent, for SSH.NET's public-key authentication. SSH.NET has no agent support
/// of its own, so this speaks the agent protocol (draft-miller-ssh-agent) over the agent's unix socket:
/// it lists identities once and asks the agent to sign each authentication challenge — the private key
/// never leaves the agent.
/// </summary>
internal sealed class SshAgentKeySource : IPrivateKeySource
{
    private const byte RequestIdentities = 11;
    private const byte IdentitiesAnswer = 12;
    private const byte SignRequest = 13;
    private const byte SignResponse = 14;
    private const uint RsaSha2_256 = 2;
    private const uint RsaSha2_512 = 4;

    private SshAgentKeySource(string socketPath, IReadOnlyCollection<HostAlgorithm> algorithms)
    {
        SocketPath = socketPath;
        HostKeyAlgorithms = algorithms;
    }

    public string SocketPath { get; }

    public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }

    /// <summary>The keys an agent holds, or null when there is no agent or it holds none.</summary>
    public static SshAgentKeySource? TryOpen(string? socketPath)
    {
        if (string.IsNullOrEmpty(socketPath) || socketPath == "none" || !File.Exists(socketPath))
        {
            return null;
        }

        try
        {
            byte[] answer = Exchange(socketPath, [RequestIdentities]);
            if (answer.Length < 5 || answer[0] != IdentitiesAnswer)
            {
                return null;
            }

            var reader = new WireReader(answer, 1);
            uint count = reader.UInt32();
            var algorithms = new List<HostAlgorithm>();
            for (uint i = 0; i < count; i++)
            {
                byte[] blob = reader.Bytes();
                _ = reader.Bytes(); // comment
                string type = Encoding.ASCII.GetString(new WireReader(blob, 0).Bytes());
                if (type == "ssh-rsa")
                {
                    // Modern servers refuse SHA-1 RSA signatures; offer the SHA-2 variants the agent can make.
                    algorithms.Add(new AgentKey(socketPath, "rsa-sha2-512", blob, RsaSha2_512));
                    algorithms.Add(new AgentKey(socketPath, "rsa-sha2-256", blob, RsaSha2_256));
                }
                else
                {
                    algorithms.Add(new AgentKey(socketPath, type, blob, 0));
                }
            }

            return algorithms.Count == 0 ? null : new SshAgentKeySource(socketPath, algorithms);
        }
        catch (Exception e) when (e is SocketException or IOException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null; // an agent that cannot be asked is an agent we do without
        }
    }

    /// <summary>Sends one framed message and reads one framed reply.</summary>
    private static byte[] Exchange(string socketPath, ReadOnlySpan<byte> message)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.ReceiveTimeout = 10_000;
        socket.SendTimeout = 10_000;
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        byte[] framed = new byte[4 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed, (uint)message.Length);
        message.CopyTo(framed.AsSpan(4));
        socket.Send(framed);
        byte[] header = ReceiveExactly(socket, 4);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > 256 * 1024)
        {
            throw new IOException("The ssh-agent reply is implausibly large.");
        }

        return ReceiveExactly(socket, (int)length);
    }

    private static byte[] ReceiveExactly(Socket socket, int count)
    {
        byte[] buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            if (n == 0)
            {
                throw new IOException("The ssh-agent closed the connection.");
            }

            read += n;
        }

        return buffer;
    }

    private static void WriteString(MemoryStream stream, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)value.Length);
        stream.Write(length);
        stream.Write(value);
    }

    /// <summary>One agent key offered under one signature algorithm.</summary>
    private sealed class AgentKey(string socketPath, string name, byte[] blob, uint flags) : HostAlgorithm(name)
    {
        public override byte[] Data => blob;

        public override byte[] Sign(byte[] data)
        {
            using var message = new MemoryStream();
            message.WriteByte(SignRequest);
            WriteString(message, blob);
            WriteString(message, data);
            Span<byte> flagBytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(flagBytes, flags);
            message.Write(flagBytes);
            byte[] reply = Exchange(socketPath, message.ToArray());
            if (reply.Length < 5 || reply[0] != SignResponse)
            {
                throw new Renci.SshNet.Common.SshException($"ssh-agent refused to sign with the {Name} key.");
            }

            // The reply is the complete signature blob (algorithm name + signature), as the protocol sends it.
            return new WireReader(reply, 1).Bytes();
        }

        public override bool VerifySignature(byte[] data, byte[] signature)
            => throw new NotSupportedException("Agent keys only sign.");
    }

    private sealed class WireReader(byte[] buffer, int offset)
    {
        private int position = offset;

        public uint UInt32()
        {
            uint value = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(position, 4));
            position += 4;
            return value;
        }

        public byte[] Bytes()
        {
            int length = checked((int)UInt32());
            byte[] value = buffer.AsSpan(position, length).ToArray();
            position += length;
            return value;
        }
    }
}
